"""The meters database: its ORM base and the messaging tables (outbox, inbox, ended sessions) and the
periodic jobs' claims."""

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from shared.messaging_tables import messaging_tables
from shared.periodic import periodic_job_table


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every model maps one table (never a join or a select): its `__table__` is a Table.
        __table__: ClassVar[Table]


tables = messaging_tables(Base.metadata)
periodic_jobs = periodic_job_table(Base.metadata)
