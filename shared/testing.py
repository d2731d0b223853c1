"""Where tests find RabbitMQ, PostgreSQL and Chromium (ARCHITECTURE §9), and what they share: fresh databases,
this run's own exchange and queue names, a TCP proxy that can cut the broker away, `eventually()`, and business
time that a test sets (the `clock` fixture in this process, `ClockFile` for service processes).

Discovery order for each server: the URL in AMQP_URL / TEST_DATABASE_URL when set; else the default local
port when the server answers there; else testcontainers when a Docker engine answers; else the test is
skipped with one line. With CI=true every skip is a failure (`pytest_runtest_makereport` below)."""

import asyncio
import contextlib
import inspect
import os
import shutil
import socket
import struct
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared import clock as business_clock

LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
PROBE_TIMEOUT_SECONDS = 1.0
# What a server sends back to the first bytes a client sends: AMQP answers its protocol header with a
# Connection.Start method frame (type 1); PostgreSQL answers an SSLRequest with "S" or "N".
AMQP_HEADER, AMQP_METHOD_FRAME = b"AMQP\x00\x00\x09\x01", b"\x01"
POSTGRES_SSL_REQUEST, POSTGRES_SSL_ANSWERS = struct.pack("!ii", 8, 80877103), (b"S", b"N")


def server_answers(host: str, port: int, hello: bytes, answers: tuple[bytes, ...]) -> bool:
    """True when something listens at host:port and answers `hello` the way the expected server does."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_SECONDS) as sock:
            sock.settimeout(PROBE_TIMEOUT_SECONDS)
            sock.sendall(hello)
            return sock.recv(1) in answers
    except OSError:
        return False


def local_rabbitmq_answers() -> bool:
    return server_answers("127.0.0.1", 5672, AMQP_HEADER, (AMQP_METHOD_FRAME,))


def local_postgres_answers() -> bool:
    return server_answers("127.0.0.1", 5432, POSTGRES_SSL_REQUEST, POSTGRES_SSL_ANSWERS)


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def start_rabbitmq_container() -> str:
    from testcontainers.rabbitmq import RabbitMqContainer

    container = RabbitMqContainer("rabbitmq:3.13-management").start()
    params = container.get_connection_params()
    return f"amqp://guest:guest@{params.host}:{params.port}/"


def start_postgres_container() -> str:
    from testcontainers.postgres import PostgresContainer

    return PostgresContainer("postgres:16", driver="asyncpg").start().get_connection_url()


def discover(
    variable: str, local_url: str, local_answers: Callable[[], bool], start_container: Callable[[], str]
) -> str | None:
    """The server's URL by the discovery order, or None when there is none."""
    if url := os.environ.get(variable):
        return url
    if local_answers():
        return local_url
    if docker_available():
        return start_container()
    return None


@cache
def _discovered_amqp_url() -> str | None:
    return discover("AMQP_URL", LOCAL_AMQP_URL, local_rabbitmq_answers, start_rabbitmq_container)


@cache
def _discovered_postgres_url() -> str | None:
    return discover("TEST_DATABASE_URL", LOCAL_POSTGRES_URL, local_postgres_answers, start_postgres_container)


def amqp_url() -> str:
    if url := _discovered_amqp_url():
        return url
    pytest.skip("no RabbitMQ: not on 127.0.0.1:5672, AMQP_URL not set, no Docker engine")


def postgres_admin_url() -> str:
    if url := _discovered_postgres_url():
        return url
    pytest.skip("no PostgreSQL: not on 127.0.0.1:5432, TEST_DATABASE_URL not set, no Docker engine")


def chromium_path() -> str:
    """The Chromium the browser tests drive: CHROMIUM_PATH, else Debian's /usr/bin/chromium."""
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if shutil.which(path):
        return path
    pytest.skip(f"no Chromium at {path}: install Debian's chromium or set CHROMIUM_PATH")


def skips_fail() -> bool:
    """On CI nothing may be skipped: a missing server or browser is a broken run, not a shorter one."""
    return os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and skips_fail() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI=true forbids skips: {_skip_reason(report)}"
    return report


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


async def create_postgres_database() -> str:
    """Create an empty database on the test server; returns its URL."""
    admin_url = make_url(postgres_admin_url()).set(drivername="postgresql+asyncpg")
    name = f"test_{uuid.uuid4().hex[:12]}"
    await _admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    return admin_url.set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    target = make_url(url)
    await _admin_execute(
        make_url(postgres_admin_url()).set(drivername="postgresql+asyncpg"),
        f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)',
    )


async def _admin_execute(admin_url: URL, statement: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(statement))
    await admin.dispose()


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """An empty database for one test, dropped afterwards; yields its URL."""
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def delete_bus_objects(
    amqp: str, prefix: str, services: list[str], retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000)
) -> None:
    """Remove a test run's queues and exchanges from the shared broker."""
    import aio_pika

    from shared.bus import Names

    connection = await aio_pika.connect(amqp)
    async with connection:
        channel = await connection.channel()
        doomed_queues = []
        for service in services:
            names = Names(prefix, service)
            doomed_queues += [names.queue, names.parked, *[names.retry_queue(d) for d in retry_delays_ms]]
        for queue in doomed_queues:
            await channel.queue_delete(queue)
        names = Names(prefix, "any")
        for exchange in (names.portal_exchange, names.vendor_exchange):
            await channel.exchange_delete(exchange)


@asynccontextmanager
async def app_client(app: FastAPI, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in-process (its lifespan included) and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as client:
            yield client


# The timeout is a polling budget that ends in a failure naming what was awaited, not a cancellation.
async def eventually(
    check: Callable[[], Any],
    timeout: float = 15.0,  # noqa: ASYNC109
    interval: float = 0.05,
    what: str = "the condition",
    accept: Callable[[Any], bool] = bool,
) -> Any:
    """Call `check` (plain or async) until `accept` holds for what it returns (by default: until it is
    truthy), and return that; fail after `timeout` seconds, naming `what` was awaited and the last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if accept(result):
            return result
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s; last value: {result!r}")
        await asyncio.sleep(interval)


def eventually_blocking(
    check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2, **options: Any
) -> Any:
    """eventually() for the synchronous end-to-end and browser tests, in a thread of its own: the browser
    tests' thread already runs Playwright's event loop."""
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, eventually(check, timeout, interval, **options)).result()


class TcpProxy:
    """A TCP relay between clients and a server that a test can cut and refuse, as a broker restart or an
    outage would: `cut()` drops every open connection, `refusing = True` drops new ones at once."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.refusing = False
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._server: asyncio.Server | None = None

    @classmethod
    def to_url(cls, url: str) -> "TcpProxy":
        parsed = urlsplit(url)
        return cls(parsed.hostname or "127.0.0.1", parsed.port or 5672)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("start() the proxy first")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def url_through(self, url: str) -> str:
        """The same URL with the proxy in the server's place."""
        parts = urlsplit(url)
        credentials, _, _ = parts.netloc.rpartition("@")
        address = f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=f"{credentials}@{address}" if credentials else address))

    def cut(self) -> int:
        """Drop every open connection without a goodbye; returns how many there were."""
        links, self._links = self._links, set()
        for client, server in links:
            client.transport.abort()
            server.transport.abort()
        return len(links)

    async def close(self) -> None:
        self.refusing = True
        self.cut()
        if self._server:
            self._server.close()
            await self._server.wait_closed()

    async def open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The server's side of a new link (a balancer picks among several servers here)."""
        return await asyncio.open_connection(*self.target)

    async def _relay(self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        if self.refusing:
            client.transport.abort()
            return
        try:
            server_reader, server = await self.open_upstream()
        except OSError:
            client.transport.abort()
            return
        link = (client, server)
        self._links.add(link)
        await asyncio.gather(_pipe(client_reader, server), _pipe(server_reader, client))
        self._links.discard(link)
        client.transport.abort()
        server.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


# Business time (shared.clock) ---------------------------------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[business_clock.FrozenClock]:
    """Business time of this process, standing still until the test sets or advances it:
    `clock.set(datetime(2026, 3, 27, 15, 30, tzinfo=UTC))`, `clock.advance(timedelta(hours=4))`. It starts at the
    real time; the real clock comes back after the test."""
    frozen = business_clock.FrozenClock(datetime.now(UTC))
    business_clock.set_source(frozen)
    try:
        yield frozen
    finally:
        business_clock.follow_file(os.environ.get(business_clock.CLOCK_FILE_VARIABLE))


class ClockFile:
    """Business time of service processes started with `env()` in their environment (shared.clock): `set(instant)`
    makes their clocks show that instant now and run on from it, `shift(by)` runs them that far from the real time,
    `advance(by)` moves them on from wherever they are, `reset()` gives them the real time back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = timedelta(0)  # how far the processes' business time is from the real one

    def env(self) -> dict[str, str]:
        return {business_clock.CLOCK_FILE_VARIABLE: str(self.path)}

    def now(self) -> datetime:
        """What the processes' clocks show now."""
        return datetime.now(UTC) + self.offset

    def set(self, instant: datetime) -> None:
        written_at_ns = time.time_ns()
        self.offset = business_clock.aware(instant) - datetime.fromtimestamp(written_at_ns / 1e9, UTC)
        self._write(instant.isoformat(), written_at_ns)

    def shift(self, by: timedelta) -> None:
        self.offset = by
        self._write(business_clock.duration_text(by), time.time_ns())

    def advance(self, by: timedelta) -> None:
        self.shift(self.offset + by)

    def reset(self) -> None:
        self.shift(timedelta(0))

    def _write(self, text: str, written_at_ns: int) -> None:
        # Written whole, then renamed over the old file: a process never reads half of it. The modification time
        # is set to the moment `set` measured its offset from, so the processes' time matches `now()` exactly.
        draft = self.path.with_name(self.path.name + ".new")
        draft.write_text(text + "\n", encoding="utf-8")
        os.utime(draft, ns=(written_at_ns, written_at_ns))
        os.replace(draft, self.path)
