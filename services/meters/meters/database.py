"""The meters database: its ORM base and the messaging tables (outbox, inbox, ended sessions)."""

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from shared.messaging_tables import messaging_tables


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every model maps one table (never a join or a select): its `__table__` is a Table.
        __table__: ClassVar[Table]


tables = messaging_tables(Base.metadata)
