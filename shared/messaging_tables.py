"""Tables every service keeps in its own database for reliable messaging: the outbox (events to publish,
written in the business transaction), the inbox (events already handled, per handler), the sessions
ended on the server (from `accounts.session.revoked`) and the periodic jobs' claims (the retention of the first
two runs as one, shared.retention)."""

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, text

from shared.db import UtcDateTime
from shared.periodic import periodic_job_table


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    revoked_sessions: Table
    periodic_jobs: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("exchange", String(100), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime, nullable=True),
        Column("last_error", Text, nullable=True),
        Column("sent_at", UtcDateTime, nullable=True),
        Index(
            "ix_outbox_unsent",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("handler", String(200), primary_key=True),
        Column("event_id", String(100), primary_key=True),
        Column("processed_at", UtcDateTime, nullable=False),
    )
    revoked_sessions = Table(
        "revoked_session",
        metadata,
        Column("session_id", String(64), primary_key=True),
        Column("user_id", String(36), nullable=False),
        Column("expires_at", UtcDateTime, nullable=False),
    )
    return MessagingTables(outbox, inbox, revoked_sessions, periodic_job_table(metadata))
