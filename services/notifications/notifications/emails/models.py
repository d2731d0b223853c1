"""The email delivery log: one row per email to send (F-61), and one row per attempt for every email the mail
server refused at least once (an email accepted at the first try needs none: its row says when)."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from notifications.database import Base
from shared.db import UtcDateTime, utcnow

PENDING, SENT, FAILED = "pending", "sent", "failed"


class Email(Base):
    __tablename__ = "email"
    # One event gives one email of a kind per address, however often the event is delivered.
    __table_args__ = (
        UniqueConstraint("event_id", "kind", "recipient", name="uq_email_event_kind_recipient"),
        Index("ix_email_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    event_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The Message-ID header, the same on every attempt so a receiving side can drop a duplicate.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    attempt_log: Mapped[list["EmailAttempt"]] = relationship(
        order_by="EmailAttempt.id", cascade="all, delete-orphan", lazy="raise"
    )


class EmailAttempt(Base):
    __tablename__ = "email_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_id: Mapped[str] = mapped_column(ForeignKey("email.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # sent | retry | failed
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
