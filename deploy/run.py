"""`make run`: migrate every database, start the five services and a mail catcher as separate processes,
load the demo data, and print where everything is. Ctrl-C stops it all.

The console stays readable: each service's JSON log goes to var/log/<service>.log (`make logs` follows them),
the mail catcher prints one line per email, and the banner comes last, once the demo data is in."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

import aio_pika

from deploy.demo.data import CONTACTS, DEMO_PASSWORD, STAFF
from deploy.demo.load import load, resolved_case_with_a_verdict
from deploy.system import LOG_DIR, MAIL_DIR, REPO_ROOT, SERVICES, SystemConfig
from shared.auth import generate_keypair
from shared.bus import Names
from shared.parked import without_password

DATABASE_URL_VARIABLES = {
    service: f"{service.upper()}_DATABASE_URL" for service in SERVICES if service != "gateway"
}
# GATEWAY_PORT, ACCOUNTS_PORT, ...: a second portal on the same machine runs beside the first on ports of its own.
PORT_VARIABLES = {service: f"{service.upper()}_PORT" for service in SERVICES}


def broker_reachable(amqp_url: str) -> bool:
    url = urlparse(amqp_url)
    try:
        with socket.create_connection((url.hostname or "localhost", url.port or 5672), timeout=3):
            return True
    except OSError:
        return False


def configure(environ: Mapping[str, str] = os.environ) -> SystemConfig:
    """Ports (`<SERVICE>_PORT`, `SMTP_PORT` for the mail catcher), the broker and the bus prefix from the
    environment, the defaults otherwise."""
    config = SystemConfig(
        amqp_url=environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/"),
        bus_prefix=environ.get("BUS_PREFIX", ""),
        extra_env={"DEMO_PASSWORD": DEMO_PASSWORD},
    )
    for service, variable in PORT_VARIABLES.items():
        if environ.get(variable):
            config.ports[service] = port_of(variable, environ[variable])
    if environ.get("SMTP_PORT"):
        config.smtp_port = port_of("SMTP_PORT", environ["SMTP_PORT"])
    config.database_urls = {s: environ[v] for s, v in DATABASE_URL_VARIABLES.items() if environ.get(v)}
    if not (config.keys_dir / "jwt-private.pem").exists():
        generate_keypair(config.keys_dir)
    return config


def port_of(variable: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65_536:
        raise SystemExit(f"{variable}={value!r} is not a port number (1 to 65535)")
    return int(value)


def ports_taken(config: SystemConfig) -> list[str]:
    """The ports this portal would listen on that something else listens on already."""
    taken = []
    for name, port in [*config.ports.items(), ("mail catcher", config.smtp_port)]:
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                taken.append(f"{name} {port}")
    return taken


async def queues_consumed(amqp_url: str, prefix: str) -> list[str]:
    """The services' queues under this prefix that some consumer holds already: another portal running on the
    same broker, which would take this one's events (and this one its)."""
    consumed = []
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        for service in DATABASE_URL_VARIABLES:
            name = Names(prefix, service).queue
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                continue  # not declared yet: nobody consumes it
            if queue.declaration_result.consumer_count:
                consumed.append(f"{name} ({queue.declaration_result.consumer_count} consumer(s))")
            await channel.close()
    return consumed


def refusal(config: SystemConfig) -> str | None:
    """Why this portal must not start here, or None."""
    if not broker_reachable(config.amqp_url):
        return (
            f"RabbitMQ is not reachable at {without_password(config.amqp_url)}: start one (e.g. `rabbitmq-server -detached`, or "
            f"`docker run -p 5672:5672 rabbitmq:3.13`) or set AMQP_URL."
        )
    if consumed := asyncio.run(queues_consumed(config.amqp_url, config.bus_prefix)):
        return (
            f"another portal already consumes the queues of bus prefix {config.bus_prefix!r} on "
            f"{without_password(config.amqp_url)}: {', '.join(consumed)}. Stop it, or run this one beside it with its own "
            "BUS_PREFIX (and ports: GATEWAY_PORT, ACCOUNTS_PORT, CASES_PORT, METERS_PORT, NOTIFICATIONS_PORT, "
            "SMTP_PORT)."
        )
    if taken := ports_taken(config):
        return (
            f"these ports are taken already: {', '.join(taken)}. Set GATEWAY_PORT, ACCOUNTS_PORT, CASES_PORT, "
            "METERS_PORT, NOTIFICATIONS_PORT or SMTP_PORT to free ones."
        )
    return None


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
    print(
        f"portal on http://localhost:{config.ports['gateway']}, broker {without_password(config.amqp_url)}, "
        f"bus prefix {config.bus_prefix!r}",
        flush=True,
    )
    if reason := refusal(config):
        print(f"not starting: {reason}")
        return 1
    config.migrate()
    # A `kill` stops the portal as Ctrl-C does: SystemExit runs supervise()'s cleanup.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    processes = start_processes(config)
    threading.Thread(target=load_demo, args=(config,), daemon=True).start()
    return supervise(processes)


if __name__ == "__main__":
    sys.exit(main())
