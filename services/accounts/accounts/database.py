"""The accounts database: its ORM base and the messaging tables (outbox, inbox, ended sessions)."""

import uuid

from sqlalchemy.orm import DeclarativeBase

from shared.messaging_tables import messaging_tables


class Base(DeclarativeBase):
    pass


tables = messaging_tables(Base.metadata)


def new_id() -> str:
    return str(uuid.uuid4())
