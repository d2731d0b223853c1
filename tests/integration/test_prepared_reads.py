"""`shared.db.PreparedRead` on PostgreSQL: in a read session it runs on asyncpg directly, elsewhere through the
session, and both ways give the same rows, take the same parameters and refuse a missing one."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from shared.db import Database, PreparedRead, UtcDateTime, _autocommit_asyncpg

pytestmark = pytest.mark.integration

metadata = MetaData()
ticket = Table(
    "ticket",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", String(20)),
    Column("status", String(20)),
    Column("opened_at", UtcDateTime),
)
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# The shape of a hot read: a required owner, any of several statuses, opened since a time, a page.
OPEN_SINCE = PreparedRead(
    select(ticket.c.id, ticket.c.status, ticket.c.opened_at)
    .where(
        ticket.c.owner == bindparam("owner"),
        ticket.c.status.in_(bindparam("statuses", expanding=True)),
        ticket.c.opened_at >= bindparam("since"),
    )
    .order_by(ticket.c.id)
    .limit(bindparam("limit"))
)

# The same filter twice, as the case list reads its page with the count of every row the filter selects: each
# parameter, an expanded list among them, is given once and bound in both places.
FILTER = (ticket.c.owner == bindparam("owner"), ticket.c.status.in_(bindparam("statuses", expanding=True)))
PAGE_WITH_TOTAL = PreparedRead(
    select(
        ticket.c.id,
        select(func.count())
        .select_from(ticket)
        .where(*FILTER)
        .correlate(None)
        .scalar_subquery()
        .label("total"),
    )
    .where(*FILTER)
    .order_by(ticket.c.id.desc())
    .limit(bindparam("limit"))
)


@pytest.fixture(autouse=True)
async def tickets(db: Database) -> None:
    """Thirty tickets in the test's fresh database (the `db` fixture of this folder)."""
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(
            insert(ticket),
            [
                {
                    "id": n,
                    "owner": "ana" if n % 2 else "bo",
                    "status": ("new", "open", "closed")[n % 3],
                    "opened_at": START + timedelta(hours=n),
                }
                for n in range(1, 31)
            ],
        )


QUERY = {"owner": "ana", "statuses": ["new", "open"], "since": START + timedelta(hours=10), "limit": 5}


async def test_a_read_session_reads_on_asyncpg_and_finds_what_the_session_finds(db: Database):
    async with db.read_session() as session:
        assert await _autocommit_asyncpg(session) is not None
        fast = await OPEN_SINCE.rows(session, **QUERY)
    async with db.session() as session:
        assert await _autocommit_asyncpg(session) is None
        through_orm = await OPEN_SINCE.rows(session, **QUERY)
    expected = [
        (n, ("new", "open", "closed")[n % 3], START + timedelta(hours=n)) for n in (13, 15, 19, 21, 25)
    ]
    for rows in (fast, through_orm):
        assert [(r.id, r["status"], r.opened_at) for r in rows] == expected
        assert all(r.opened_at.tzinfo is not None for r in rows)


@pytest.mark.parametrize("read_only", [True, False])
async def test_the_parameters_pass_through_their_columns_types(db: Database, read_only: bool):
    """A time in another zone is the same instant, a time without a zone is refused (UtcDateTime's conversion
    applies on both ways)."""
    madrid_time = (START + timedelta(hours=10)).astimezone(timezone(timedelta(hours=1)))
    async with db.read_session() if read_only else db.session() as session:
        rows = await OPEN_SINCE.rows(session, **(QUERY | {"since": madrid_time}))
        assert [r.id for r in rows] == [13, 15, 19, 21, 25]
        with pytest.raises((ValueError, SQLAlchemyError), match="naive"):
            await OPEN_SINCE.rows(session, **(QUERY | {"since": datetime(2026, 3, 1, 19, 0)}))


async def test_a_transaction_reads_its_own_writes(db: Database):
    async with db.session() as session:
        await session.execute(
            insert(ticket).values(id=99, owner="ana", status="new", opened_at=START + timedelta(days=9))
        )
        rows = await OPEN_SINCE.rows(session, **(QUERY | {"limit": 50}))
        assert 99 in [r.id for r in rows]
        await session.rollback()


@pytest.mark.parametrize("read_only", [True, False])
async def test_a_missing_parameter_is_refused_not_read_as_null(db: Database, read_only: bool):
    without_owner = {k: v for k, v in QUERY.items() if k != "owner"}
    async with db.read_session() if read_only else db.session() as session:
        with pytest.raises(SQLAlchemyError, match="owner"):
            await OPEN_SINCE.rows(session, **without_owner)


@pytest.mark.parametrize("read_only", [True, False])
async def test_parameters_used_twice_are_bound_in_both_places(db: Database, read_only: bool):
    async with db.read_session() if read_only else db.session() as session:
        rows = await PAGE_WITH_TOTAL.rows(session, owner="bo", statuses=["new", "closed"], limit=3)
    # bo's tickets are the even ones; of them, new (n % 3 == 0) or closed (n % 3 == 2): 2, 6, 8, 12, ..., 30
    assert [(r.id, r.total) for r in rows] == [(30, 10), (26, 10), (24, 10)]
