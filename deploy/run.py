"""`make run`: migrate every database, start the five services and a mail catcher as separate processes,
load the demo data, and print where everything is. Ctrl-C stops it all."""

import os
import socket
import sys
import threading
from urllib.parse import urlparse

from honcho.manager import Manager

from deploy.demo.data import AGENT, CONTACTS, DEMO_PASSWORD
from deploy.demo.load import load
from deploy.system import REPO_ROOT, SERVICES, SystemConfig
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


def load_demo_when_ready(config: SystemConfig, manager: Manager) -> None:
    try:
        config.wait_ready(timeout=90)
        count = load(config)
    except Exception as exc:  # the portal stays up; the operator sees why the demo data is missing
        print(f"demo data NOT loaded: {exc}", flush=True)
        return
    logins = "\n".join(f"    {c.email:28} {c.role}" for c in CONTACTS) + f"\n    {AGENT['email']:28} agent"
    print(
        f"""
========================================================================
 Self-Service Portal is up:  http://localhost:{config.ports["gateway"]}
 Demo data: {count} events from the vendor's systems published on canon.sync
 Emails are caught in:       {REPO_ROOT / "var" / "mail"} (one .eml per message)
 Demo logins (password: {DEMO_PASSWORD}):
{logins}
 Stop with Ctrl-C.
========================================================================
""",
        flush=True,
    )


def main() -> int:
    config = configure()
    if not broker_reachable(config.amqp_url):
        print(
            f"RabbitMQ is not reachable at {config.amqp_url}: start one (e.g. `rabbitmq-server -detached`, or "
            f"`docker run -p 5672:5672 rabbitmq:3.13`) or set AMQP_URL."
        )
        return 1
    config.migrate()
    manager = Manager()
    python = sys.executable
    manager.add_process(
        "mail", f"{python} deploy/mailcatcher.py --port {config.smtp_port}", cwd=str(REPO_ROOT)
    )
    for service in SERVICES:
        manager.add_process(service, f"{python} -m {service}", env=config.env(service), cwd=str(REPO_ROOT))
    threading.Thread(target=load_demo_when_ready, args=(config, manager), daemon=True).start()
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
