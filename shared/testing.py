"""Where tests find RabbitMQ and PostgreSQL (ARCHITECTURE §9): the URLs in AMQP_URL / TEST_DATABASE_URL
when set; else testcontainers when a Docker engine answers; else the test is skipped with one line.
Each run gets its own databases and its own exchange and queue names."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


@cache
def amqp_url() -> str:
    if url := os.environ.get("AMQP_URL"):
        return url
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-management").start()
        params = container.get_connection_params()
        return f"amqp://guest:guest@{params.host}:{params.port}/"
    pytest.skip("no RabbitMQ: set AMQP_URL or run a Docker engine")


@cache
def postgres_admin_url() -> str:
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16", driver="asyncpg").start()
        return container.get_connection_url()
    pytest.skip("no PostgreSQL: set TEST_DATABASE_URL or run a Docker engine")


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
