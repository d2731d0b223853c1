"""The whole portal for end-to-end and browser tests: five services as processes on this run's own
PostgreSQL databases and bus names, a real SMTP server (aiosmtpd) catching every email, and the demo data
loaded the way `make run` loads it. With `replicas`, that many processes of each service, behind one address
per service (tests/balancer.py)."""

import asyncio
import email
import email.policy
import re
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

from deploy.demo.data import DEMO_PASSWORD
from deploy.demo.load import load, publish_vendor_events
from deploy.system import BACKEND_SERVICES, SERVICES, SystemConfig
from shared.auth import generate_keypair
from shared.testing import (
    ClockFile,
    amqp_url,
    create_postgres_database,
    delete_bus_objects,
    drop_postgres_database,
    eventually_blocking,
    unique_prefix,
)
from tests.balancer import Balancers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The SMTP server's side: every message received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def wait_for(self, predicate, timeout: float = 20.0) -> list[EmailMessage]:
        try:
            return eventually_blocking(lambda: [m for m in self.messages if predicate(m)], timeout, 0.1)
        except AssertionError:
            subjects = [(m["To"], m["Subject"]) for m in self.messages]
            raise AssertionError(f"no such email within {timeout}s; received: {subjects}") from None


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, f"no plain text part in the email {message['Subject']!r}"
    return body.get_content()


def first_match(pattern: str, text: str, group: int = 0) -> str:
    """The first match of the pattern in the text (or one of its groups); fails when there is none."""
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not found in {text[:300]!r}"
    return found.group(group)


@dataclass
class RunningSystem:
    config: SystemConfig
    inbox: Inbox
    logs: Path
    clock: ClockFile  # the business time of every service process (shared.clock)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # With replicas behind balancers: each process's own address (its name: the service, then `<service>-2`, ...).
    replica_urls: dict[str, str] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return self.config.url("gateway").replace("127.0.0.1", "localhost")

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.gateway, headers=headers, timeout=15)

    def login(self, email_address: str, password: str = DEMO_PASSWORD) -> str:
        with self.client() as client:
            response = client.post(
                "/api/accounts/v1/auth/login", json={"email": email_address, "password": password}
            )
        response.raise_for_status()
        return response.json()["access_token"]

    def stop(self, service: str) -> None:
        process = self.processes.pop(service)
        process.terminate()
        process.wait(timeout=15)

    def start(self, service: str) -> None:
        log = (self.logs / f"{service}.log").open("a")
        self.processes[service] = self.config.start(service, stdout=log, stderr=subprocess.STDOUT)
        self.config.wait_ready(timeout=60, services=(service,))

    def start_replica(self, service: str, name: str) -> None:
        """Another process of a service, on its own port, sharing its database and queue (F-80)."""
        config = replace(self.config, ports={**self.config.ports, service: free_port()})
        log = (self.logs / f"{name}.log").open("a")
        self.processes[name] = config.start(service, stdout=log, stderr=subprocess.STDOUT)
        config.wait_ready(timeout=60, services=(service,))

    def publish_vendor_events(self, *events, source: str = "test") -> None:
        # In a thread of its own: the browser tests' thread already runs Playwright's event loop.
        with ThreadPoolExecutor(1) as worker:
            worker.submit(
                asyncio.run,
                publish_vendor_events(self.config.amqp_url, self.config.bus_prefix, list(events), source),
            ).result()

    def log_of(self, service: str) -> str:
        return (self.logs / f"{service}.log").read_text(errors="replace")


# The tests' own settings of the services: their periodic jobs every second (business time comes from the clock).
TEST_SETTINGS = {
    "REMINDER_INTERVAL_SECONDS": "1",
    "SLA_ALERT_INTERVAL_SECONDS": "1",
    "OFFLINE_CASE_INTERVAL_SECONDS": "1",
}


def start_system(
    tmp: Path,
    inbox: Inbox | None = None,
    extra_env: dict[str, str] | None = None,
    *,
    replicas: int = 1,
    settings: dict[str, str] | None = None,
):
    """Generator for a session fixture: yields a RunningSystem, stops and cleans everything afterwards.
    `extra_env` replaces the tests' own settings (the benchmarks run with the services' defaults, the real clock
    among them); with the tests' settings (and `settings` on top), `system.clock` sets the services' business time.
    `replicas` processes of each service share its database and queue behind one address per service."""
    inbox = inbox or Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    prefix = unique_prefix()
    urls = {service: asyncio.run(create_postgres_database()) for service in BACKEND_SERVICES}
    keys = tmp / "keys"
    generate_keypair(keys)
    clock = ClockFile(tmp / "clock")
    replica_ports = {name: [free_port() for _ in range(replicas)] for name in SERVICES}
    balancers = Balancers(replica_ports) if replicas > 1 else None
    config = SystemConfig(
        ports={name: ports[0] for name, ports in replica_ports.items()},
        database_urls=urls,
        amqp_url=amqp_url(),
        bus_prefix=prefix,
        environment="demo",
        smtp_port=smtp.port,
        keys_dir=keys,
        extra_env={
            "DEMO_PASSWORD": DEMO_PASSWORD,
            "COOKIE_SECURE": "false",
            **(extra_env if extra_env is not None else {**TEST_SETTINGS, **clock.env(), **(settings or {})}),
        },
        service_urls={name: balancers.url(name) for name in SERVICES} if balancers else {},
    )
    system = RunningSystem(config, inbox, tmp, clock)
    try:
        config.migrate()
        _start_processes(system, replica_ports)
        load(config)
        _wait_for_demo_logins(system)
        yield system
    finally:
        for process in system.processes.values():
            process.terminate()
        for process in system.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if balancers:
            balancers.close()
        smtp.stop()
        for url in urls.values():
            asyncio.run(drop_postgres_database(url))
        asyncio.run(delete_bus_objects(config.amqp_url, prefix, BACKEND_SERVICES))


def _start_processes(system: RunningSystem, ports: dict[str, list[int]]) -> None:
    """A process of each service on each of its ports (named the service, then `<service>-2`, ...), until they are
    ready. Behind balancers, each process knows the others by the balancers' addresses (the gateway's links in
    emails among them)."""
    started = {}
    for service, service_ports in ports.items():
        for number, port in enumerate(service_ports, start=1):
            name = service if number == 1 else f"{service}-{number}"
            log = (system.logs / f"{name}.log").open("w")
            started[name] = replace(system.config, ports={**system.config.ports, service: port})
            system.processes[name] = started[name].start(service, stdout=log, stderr=subprocess.STDOUT)
            system.replica_urls[name] = f"http://127.0.0.1:{port}"
    ready_by = time.monotonic() + 60  # Python's start-up of them all on a busy machine
    for name, config in started.items():
        service = name.split("-")[0]
        replace(config, service_urls={}).wait_ready(max(ready_by - time.monotonic(), 1.0), (service,))


def _wait_for_demo_logins(system: RunningSystem, timeout: float = 30.0) -> None:
    """The demo data arrives as events: wait until the last demo user can log in and sees devices."""

    def last_login_sees_its_devices() -> bool:
        try:
            token = system.login("admin@nordisk.example")
            with system.client(token) as client:
                return len(client.get("/api/accounts/v1/devices").json()["items"]) == 3
        except httpx.HTTPError:
            return False

    try:
        eventually_blocking(last_login_sees_its_devices, timeout, 0.3)
    except AssertionError:
        raise TimeoutError(
            "demo data did not arrive; see the accounts log:\n" + system.log_of("accounts")[-3000:]
        ) from None
