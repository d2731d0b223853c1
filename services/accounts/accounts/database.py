"""The accounts database: its ORM base and the messaging tables (outbox, inbox, ended sessions)."""

import uuid
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from shared.messaging_tables import messaging_tables


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every model maps one table (never a join or a select): its `__table__` is a Table.
        __table__: ClassVar[Table]


tables = messaging_tables(Base.metadata)


def new_id() -> str:
    return str(uuid.uuid4())


async def next_version(session: AsyncSession, row: Base) -> None:
    """Number the snapshot of `row` about to be published (its `version` + 1, which the other services' copies
    compare). The increment is an UPDATE in the database: on PostgreSQL it holds the row until commit, so versions
    follow the order of commits; the row and its children are then read again, so the snapshot carries what
    transactions committed meanwhile too."""
    await session.flush()
    table = row.__table__
    await session.execute(
        update(table).where(table.c.id == row.id).values(version=table.c.version + 1)  # type: ignore[attr-defined]
    )
    await session.refresh(row)
