"""The notifications database: its ORM base and the messaging tables (outbox, inbox, ended sessions)."""

from sqlalchemy.orm import DeclarativeBase

from shared.messaging_tables import messaging_tables


class Base(DeclarativeBase):
    pass


tables = messaging_tables(Base.metadata)
