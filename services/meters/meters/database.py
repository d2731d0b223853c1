"""The meters database: its ORM base and the messaging tables (outbox, inbox, ended sessions) and the
periodic jobs' claims."""

from sqlalchemy.orm import DeclarativeBase

from shared.messaging_tables import messaging_tables
from shared.periodic import periodic_job_table


class Base(DeclarativeBase):
    pass


tables = messaging_tables(Base.metadata)
periodic_jobs = periodic_job_table(Base.metadata)
