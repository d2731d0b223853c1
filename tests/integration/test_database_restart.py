"""When PostgreSQL drops the service's connections (a restart, a failover), one request learns it with a 503
that invites a retry, and the next one works on fresh connections: no 500, no stuck pool."""

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.app import DbSession
from shared.errors import install_problem_handlers
from shared.testing import app_client

pytestmark = pytest.mark.integration


def probe_app(db) -> FastAPI:
    app = FastAPI()
    app.state.db = db
    install_problem_handlers(app)

    @app.get("/probe")
    async def probe(session: DbSession) -> dict:
        return {"answer": await session.scalar(text("SELECT 42"))}

    return app


async def test_lost_connections_answer_503_once_then_the_pool_recovers(db):
    async with app_client(probe_app(db)) as client:
        assert (await client.get("/probe")).json() == {"answer": 42}
        admin = create_async_engine(db.url)
        async with admin.connect() as connection:  # ends the service's sessions, as a restart would
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        await admin.dispose()
        lost = await client.get("/probe")
        assert lost.status_code == 503, lost.text
        assert lost.json()["code"] == "database_unavailable"
        assert (await client.get("/probe")).json() == {"answer": 42}
