"""`make run`: migrate every database, start the five services and a mail catcher as separate processes,
load the demo data, and print where everything is. Ctrl-C stops it all.

The console stays readable: each service's JSON log goes to var/log/<service>.log (`make logs` follows them),
the mail catcher prints one line per email, and the banner comes last, once the demo data is in."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from deploy.demo.data import CONTACTS, DEMO_PASSWORD, STAFF
from deploy.demo.load import load, resolved_case_with_a_verdict
from deploy.system import LOG_DIR, MAIL_DIR, REPO_ROOT, SERVICES, SystemConfig
from shared.auth import generate_keypair

DATABASE_URL_VARIABLES = {
    service: f"{service.upper()}_DATABASE_URL" for service in SERVICES if service != "gateway"
}


def broker_reachable(amqp_url: str) -> bool:
    url = urlparse(amqp_url)
    try:
        with socket.create_connection((url.hostname or "localhost", url.port or 5672), timeout=3):
            return True
    except OSError:
        return False


def configure() -> SystemConfig:
    config = SystemConfig(
        amqp_url=os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/"),
        extra_env={"DEMO_PASSWORD": DEMO_PASSWORD},
    )
    config.database_urls = {s: os.environ[v] for s, v in DATABASE_URL_VARIABLES.items() if os.environ.get(v)}
    if not (config.keys_dir / "jwt-private.pem").exists():
        generate_keypair(config.keys_dir)
    return config


def load_demo(config: SystemConfig) -> None:
    """Load the demo data once the services are ready, then print the banner as the last word."""
    try:
        config.wait_ready(timeout=90)
        count = load(config)
        resolved_case_with_a_verdict(config, MAIL_DIR)
        wait_for_mail_to_settle(MAIL_DIR)
    except Exception as exc:  # the portal stays up; the operator sees why the demo data is missing
        print(f"demo data NOT loaded: {exc} (the services' logs are in {LOG_DIR})", flush=True)
        return
    print(banner(config, count), flush=True)


def wait_for_mail_to_settle(directory: Path, quiet: float = 3.0, limit: float = 20.0) -> None:
    """The demo data makes the portal send emails (a reading request): let their lines print before the
    banner, so that the banner stays the last thing on the console."""
    give_up, last_change, seen = time.monotonic() + limit, time.monotonic(), -1
    while time.monotonic() < min(give_up, last_change + quiet):
        count = len(list(directory.glob("*.eml")))
        if count != seen:
            seen, last_change = count, time.monotonic()
        time.sleep(0.2)


def banner(config: SystemConfig, demo_events: int) -> str:
    people = [(c.email, c.role) for c in CONTACTS] + [(s["email"], s["role"]) for s in STAFF]
    logins = "\n".join(f"    {email:28} {role}" for email, role in people)
    return f"""
========================================================================
 Self-Service Portal is up:  http://localhost:{config.ports["gateway"]}
 Demo data: {demo_events} events from the vendor's systems published on canon.sync
 Emails are caught in:       {MAIL_DIR} (one .eml per message)
 Service logs:               {LOG_DIR} (follow them with `make logs`)
 Demo logins (password: {DEMO_PASSWORD}):
{logins}
 Stop with Ctrl-C.
========================================================================
"""


def start_processes(config: SystemConfig) -> dict[str, subprocess.Popen]:
    """The mail catcher on this console, each service writing its log to var/log/<service>.log. Each in a
    session of its own: Ctrl-C reaches only this launcher, which then stops them all, and in order."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    mail = [
        sys.executable,
        "deploy/mailcatcher.py",
        "--port",
        str(config.smtp_port),
        "--directory",
        str(MAIL_DIR),
    ]
    processes = {"mail": subprocess.Popen(mail, cwd=REPO_ROOT, start_new_session=True)}
    for service in SERVICES:
        log = (LOG_DIR / f"{service}.log").open("a")
        processes[service] = config.start(
            service, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return processes


def supervise(processes: dict[str, subprocess.Popen]) -> int:
    """Wait until Ctrl-C or until a process ends (then say which and where its log is); stop them all."""
    try:
        while not (ended := [name for name, process in processes.items() if process.poll() is not None]):
            time.sleep(0.5)
        print(
            f"{ended[0]} stopped (exit {processes[ended[0]].returncode}), see {LOG_DIR}; stopping the portal"
        )
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


def stop(processes: dict[str, subprocess.Popen]) -> None:
    # `uv run` passes Ctrl-C on a second time; the shutdown it asks for is already under way.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("stopping the portal", flush=True)
    try:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    finally:
        signal.signal(signal.SIGINT, previous)


def main() -> int:
    config = configure()
    if not broker_reachable(config.amqp_url):
        print(
            f"RabbitMQ is not reachable at {config.amqp_url}: start one (e.g. `rabbitmq-server -detached`, or "
            f"`docker run -p 5672:5672 rabbitmq:3.13`) or set AMQP_URL."
        )
        return 1
    config.migrate()
    # A `kill` stops the portal as Ctrl-C does: SystemExit runs supervise()'s cleanup.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    processes = start_processes(config)
    threading.Thread(target=load_demo, args=(config,), daemon=True).start()
    return supervise(processes)


if __name__ == "__main__":
    sys.exit(main())
