"""When PostgreSQL drops the service's connections (a restart, a failover), one request learns it with a 503
that invites a retry, and the next one works on fresh connections: no 500, no stuck pool."""

import asyncio
import socket

import asyncpg  # type: ignore[import-untyped]
import pytest
from fastapi import FastAPI
from sqlalchemy import literal, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared.app import DbSession, ReadSession
from shared.db import Database, PreparedRead, install_database_problem_handlers
from shared.errors import install_problem_handlers
from shared.testing import app_client

pytestmark = pytest.mark.integration


def probe_app(db) -> FastAPI:
    app = FastAPI()
    app.state.db = db
    install_problem_handlers(app)
    install_database_problem_handlers(app)

    @app.get("/probe")
    async def probe(session: DbSession) -> dict:
        return {"answer": await session.scalar(text("SELECT 42"))}

    @app.get("/probe/read")  # a read straight on asyncpg (shared.db.PreparedRead)
    async def probe_read(session: ReadSession) -> dict:
        return {"answer": (await ANSWER.rows(session))[0].answer}

    return app


ANSWER = PreparedRead(select(literal(42).label("answer")))


@pytest.mark.parametrize("path", ["/probe", "/probe/read"])
async def test_lost_connections_answer_503_once_then_the_pool_recovers(db, path):
    async with app_client(probe_app(db)) as client:
        assert (await client.get(path)).json() == {"answer": 42}
        admin = create_async_engine(db.url)
        async with admin.connect() as connection:  # ends the service's sessions, as a restart would
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        await admin.dispose()
        lost = await client.get(path)
        assert lost.status_code == 503, lost.text
        assert lost.json()["code"] == "database_unavailable"
        assert (await client.get(path)).json() == {"answer": 42}


async def test_a_read_on_a_connection_still_reading_the_servers_farewell_answers_503(db, monkeypatch):
    """Ended while idle, a connection may not be closed yet when the next read comes, only unable to take it (the
    driver refuses with InternalClientError): the read answers 503 and the connection is not handed out again."""
    async with app_client(probe_app(db)) as client:
        assert (await client.get("/probe/read")).json() == {"answer": 42}
        fetch, refused = asyncpg.Connection.fetch, list[asyncpg.Connection]()

        async def refuse_once(self, *args, **kwargs):
            if not refused:
                refused.append(self)
                raise asyncpg.InternalClientError(
                    "cannot switch to state 12; another operation (2) is in progress"
                )
            return await fetch(self, *args, **kwargs)

        monkeypatch.setattr(asyncpg.Connection, "fetch", refuse_once)
        lost = await client.get("/probe/read")
        assert (lost.status_code, lost.json()["code"]) == (503, "database_unavailable"), lost.text
        assert (await client.get("/probe/read")).json() == {"answer": 42}
        assert refused[0].is_closed()  # invalidated: closed, never back in the pool


class StoppableProxy:
    """A TCP relay to the database that can be stopped (refusing connections, as a database that is down
    would) and started again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is None:
            raise RuntimeError("start() the proxy first")
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.writers):
            writer.close()

    async def _relay(self, client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        self.writers |= {client_writer, server_writer}

        async def pipe(reader, writer) -> None:
            try:
                while data := await reader.read(65_536):
                    writer.write(data)
                    await writer.drain()
            except OSError:
                pass
            finally:
                writer.close()

        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))


async def test_a_database_that_refuses_connections_answers_503_until_it_is_back(db):
    target = make_url(db.url)
    assert target.host is not None, f"the test database's URL names no host: {target!r}"
    proxy = StoppableProxy(target.host, target.port or 5432)
    await proxy.start()
    through_proxy = Database(
        target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )
    try:
        async with app_client(probe_app(through_proxy)) as client:
            assert (await client.get("/probe")).json() == {"answer": 42}
            await proxy.stop()
            answers = [await client.get("/probe") for _ in range(5)]
            assert [a.status_code for a in answers] == [503] * 5, [a.text for a in answers]
            assert {a.json()["code"] for a in answers} == {"database_unavailable"}
            await proxy.start()
            assert (await client.get("/probe")).json() == {"answer": 42}
    finally:
        await through_proxy.dispose()
        await proxy.stop()


async def test_a_closed_database_port_answers_503():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    nowhere = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port}/nowhere")
    try:
        async with app_client(probe_app(nowhere)) as client:
            answer = await client.get("/probe")
        assert answer.status_code == 503 and answer.json()["code"] == "database_unavailable"
    finally:
        await nowhere.dispose()
