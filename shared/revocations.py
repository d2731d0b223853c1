"""Ended sessions: an access token of a session that ended (logout, deactivation, a password change) is refused
by every service until it would have expired anyway (`revoked_session.expires_at`).

`accounts` ends sessions itself, on many paths, and reads its table on each request (`RevocationsInDatabase`).
The other services hold the sessions ended and not yet expired in memory (`RevocationsInMemory`): a request is
checked without a round trip to the database (the check was one of a case list's three). The set is read from the
service's copy at start and again every `refresh_seconds`; the process that takes `accounts.session.revoked` from
the bus adds the session as soon as its copy is committed, and the service's other replicas read it at their next
refresh: a token is refused on every replica within that interval of the event's arrival."""

import asyncio
import logging

from sqlalchemy import Table, bindparam, select

from shared.clock import wall_now
from shared.db import Database

log = logging.getLogger(__name__)


class RevocationsInDatabase:
    """One statement per check, on a pooled connection in autocommit (no transaction, no ORM session)."""

    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self._query = select(table.c.session_id).where(table.c.session_id == bindparam("session_id"))

    async def includes(self, session_id: str) -> bool:
        async with self.db.read_engine.connect() as connection:
            found = await connection.scalar(self._query, {"session_id": session_id})
        return found is not None

    async def start(self) -> None:
        """Nothing to read ahead."""

    async def stop(self) -> None:
        """Nothing running."""


class RevocationsInMemory:
    """The ended sessions whose tokens may still be alive, as a set refreshed in the background. Until the set has
    been read once (the database away at start), each check asks the database."""

    def __init__(self, db: Database, table: Table, *, refresh_seconds: float) -> None:
        self.db, self.refresh_seconds = db, refresh_seconds
        self._in_database = RevocationsInDatabase(db, table)
        # Access tokens expire on the real clock (PyJWT checks them so): so do their sessions here.
        now = bindparam("now", type_=table.c.expires_at.type)
        self._query = select(table.c.session_id).where(table.c.expires_at > now)
        self._ended: set[str] | None = None
        self._added_while_reading: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def includes(self, session_id: str) -> bool:
        if self._ended is None:
            return await self._in_database.includes(session_id)
        return session_id in self._ended

    def add(self, session_id: str) -> None:
        """A session ended whose copy this process has just committed."""
        if self._ended is not None:
            self._ended.add(session_id)
        self._added_while_reading.add(session_id)

    async def refresh(self) -> None:
        """Read the set anew: what another replica recorded, less what has expired. A session added while the
        statement ran (its commit may have come after the statement's snapshot) is kept."""
        self._added_while_reading = set()
        async with self.db.read_engine.connect() as connection:
            ended = set((await connection.scalars(self._query, {"now": wall_now()})).all())
        self._ended = ended | self._added_while_reading

    async def start(self) -> None:
        """The first read before requests are answered (if the database answers), then the refreshes."""
        try:
            await self.refresh()
        except Exception:
            log.exception(
                "could not read the ended sessions: each request asks the database until they are read"
            )
        self._task = asyncio.create_task(self._run(), name="session-revocations")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                await self.refresh()
            except Exception:  # the database away for a moment: the set read last stays until it is back
                log.exception("could not read the ended sessions")
