"""Async database set-up (SQLAlchemy 2): PostgreSQL through asyncpg, SQLite through aiosqlite."""

import logging
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, DateTime, Dialect, Table, and_, event, literal, or_, text, update
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator

from shared.clock import now
from shared.errors import answer_unexpected, problem_response

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """Business time (shared.clock), which tests may set."""
    return now()


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Database:
    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # No ping before every checkout (a round trip and a third of a millisecond of CPU per request): when the
        # database restarts, the first statement on a dead connection fails, SQLAlchemy then drops the whole pool,
        # and that request answers 503 (shared.errors) or, for an event, is retried.
        options: dict[str, Any] = {"pool_pre_ping": False}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": 30}
        else:
            # Kept open: as many as a busy process has requests in flight at once (16 connections to a service
            # opened and closed connections all the time with 10, a fork of PostgreSQL's each); a few more at peaks.
            options.update(pool_size=pool_size, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads that write nothing need no transaction: each statement sees what was committed when it ran, as
        # it would in a READ COMMITTED transaction, without that transaction's BEGIN and ROLLBACK round trips.
        self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for requests that only read (see `read_sessionmaker`)."""
        async with self.read_sessionmaker() as session:
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # The wait first: a second process (a replica, a command) may hold the file when this one connects.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    _use_wal(cursor)
    cursor.close()


def _use_wal(cursor: Any, attempts: int = 100) -> None:
    """The file in WAL mode. The mode is kept in the file, and switching needs the file to itself: two connections
    switching a new file at once (a command started beside the service) see one of them refused at once, whatever
    the busy timeout, while the other switches; the refused one then finds the mode set. Only a new file waits
    here, for a few milliseconds at most."""
    for attempt in range(attempts):
        cursor.execute("PRAGMA journal_mode")
        if cursor.fetchone()[0] == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02)


class ColumnsByName:
    """A row of `PreparedRead.rows` read by column name, as `row["status"]` or `row.status`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]  # type: ignore[index]  # the row class mixed with this one reads by name
        except KeyError:
            raise AttributeError(name) from None


class ReadRow(ColumnsByName, asyncpg.Record):  # type: ignore[misc]  # asyncpg has no types
    """A row on PostgreSQL, as asyncpg decoded it."""


class MappingRow(ColumnsByName, dict[str, Any]):
    """A row elsewhere (SQLite), from SQLAlchemy's."""


# Errors after which the connection cannot serve another statement. InternalClientError: the server ended the
# session while the connection was idle (a restart) and the driver is still reading its farewell, so the socket
# is not closed yet but the connection will take no statement.
UNUSABLE_CONNECTION = (asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)


class PreparedRead:
    """A SELECT a hot path runs on every request, built once with named parameters (`bindparam`) and compiled once
    per dialect. In a read session on PostgreSQL it runs straight on the session's asyncpg connection: SQLAlchemy's
    execution of a statement (its session, execution context and result objects) costs 0.2-0.3 ms of CPU, asyncpg's
    own 0.05. Elsewhere (a transaction, SQLite) it runs through the session, so it sees the transaction's writes."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[SQLCompiler, dict[str, Callable[[Any], Any]]]] = {}

    async def rows(self, session: AsyncSession, **params: Any) -> list[Any]:
        """The rows, each column readable by name (`row["x"]`, `row.x`)."""
        driver = await _autocommit_asyncpg(session)
        if driver is None:
            result = await session.execute(self.statement, params)
            return [MappingRow(row) for row in result.mappings()]
        compiled, processors = self._compiled_for(session.get_bind().dialect)
        expanded = compiled.construct_expanded_state(params)
        convert = processors | dict(expanded.processors)  # the second: the elements of expanded lists
        values = [
            convert[name](value) if name in convert else value
            for name, value in zip(expanded.positiontup or (), expanded.positional_parameters, strict=True)
        ]
        try:
            rows: list[Any] = await driver.fetch(expanded.statement, *values, record_class=ReadRow)
            return rows
        except (asyncpg.PostgresError, *UNUSABLE_CONNECTION) as error:
            raise await _as_dbapi_error(session, driver, expanded.statement, error) from error

    def _compiled_for(self, dialect: Dialect) -> tuple[SQLCompiler, dict[str, Callable[[Any], Any]]]:
        """The statement compiled for the dialect, and the conversion of each parameter its type asks for (as
        SQLAlchemy's execution would apply them: a UtcDateTime refuses a time without a zone)."""
        if (found := self._compiled.get(dialect.name)) is None:
            compiled = self.statement.compile(dialect=dialect)
            processors: dict[str, Callable[[Any], Any]] = {
                name: processor
                for name, bind in compiled.binds.items()
                if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
            }
            found = self._compiled[dialect.name] = (compiled, processors)
        return found


async def _autocommit_asyncpg(session: AsyncSession) -> Any:
    """The asyncpg connection under a session that runs each statement on its own (a read session on
    PostgreSQL); None for any other session: a statement beside SQLAlchemy's there could miss its transaction."""
    bind = session.get_bind()
    if (
        bind.dialect.driver != "asyncpg"
        or bind.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
    ):
        return None
    connection = await session.connection()
    return (await connection.get_raw_connection()).driver_connection


async def _as_dbapi_error(session: AsyncSession, driver: Any, statement: str, error: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy's would be: a lost connection is invalidated (not handed out again), and
    the error answers like any other database error (shared.errors: 503 while the database is unreachable)."""
    lost = driver.is_closed() or isinstance(error, UNUSABLE_CONNECTION)
    if lost:
        await (await session.connection()).invalidate()
    return DBAPIError(statement, None, error, connection_invalidated=lost)


def run_after_commit(session: AsyncSession | Session, callback: Callable[[], object]) -> None:
    """Call `callback()` once the session's current transaction commits (never on rollback)."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("after_commit", None)


def upsert_ignore(session: AsyncSession, table: Table) -> PostgresInsert | SqliteInsert:
    """An INSERT that does nothing when a unique key already exists (PostgreSQL and SQLite alike):
    chain `.values(...).on_conflict_do_nothing()`."""
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


async def upsert_if_newer(session: AsyncSession, table: Table, values: dict[str, Any], key: str) -> bool:
    """Write a copy's row from a numbered snapshot (`values["version"]`) unless the stored copy is as new or newer;
    whether it was written. One statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE), so two consumers taking
    snapshots of one row in either order keep the newest (PostgreSQL locks the row until commit: replace its
    child rows only when this answers True). A snapshot from before versions (0) applies only to a copy that
    has none either."""
    insert = upsert_ignore(session, table).values(**values)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={name: insert.excluded[name] for name in values if name != key},
        where=_older(table, insert.excluded.version),
    ).returning(table.c[key])
    return (await session.execute(statement)).first() is not None


async def update_if_newer(
    session: AsyncSession, table: Table, key: str, key_value: str, version: int, values: dict[str, Any]
) -> None:
    """Change a copy's row from a numbered event that is not a whole snapshot (a removal), and take its version,
    unless the copy holds that version or a newer one. One from before versions (0) applies as it always did."""
    statement = update(table).where(table.c[key] == key_value).values(**values)
    if version:
        statement = statement.where(_older(table, literal(version))).values(version=version)
    await session.execute(statement)


def _older(table: Table, incoming: ColumnElement[int]) -> ColumnElement[bool]:
    stored = table.c.version
    return or_(stored < incoming, and_(incoming == 0, stored == 0))


# SQLSTATEs of a server that is there but will not serve: connection exceptions (class 08), shutting down or
# starting up (57P01-57P03), too many connections (53300).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_database_unreachable(exc: BaseException) -> bool:
    """Whether an error, or one it wraps, says the database cannot be reached, whichever driver raised it."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
            return True
        sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES):
            return True
        pending += [getattr(error, "orig", None), error.__cause__, error.__context__]
    return False


async def answer_database_error(request: Request, exc: Exception) -> JSONResponse:
    if is_database_unreachable(exc):
        # The database went away or refuses connections (a restart, a failover): the pool opens fresh
        # connections on the next request, so this is worth retrying rather than a failure of the request.
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return problem_response(
            503,
            "Service unavailable",
            "The database cannot be reached right now. Try again in a moment.",
            request.url.path,
            code="database_unavailable",
        )
    return await answer_unexpected(request, exc)


def install_database_problem_handlers(app: FastAPI) -> None:
    """A service with a database answers 503 while it cannot reach it, never 500."""
    app.exception_handler(DBAPIError)(answer_database_error)
    app.exception_handler(OSError)(answer_database_error)  # a refused connection is not wrapped by SQLAlchemy
