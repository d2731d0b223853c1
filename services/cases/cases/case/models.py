"""A case, its followers, its conversation (messages and internal notes) and its status history."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.database import Base
from shared.db import UtcDateTime


class Case(Base):
    __tablename__ = "support_case"
    # An account's cases newest first, as its lists show them: a page is read off the index, not sorted out of
    # all of the account's cases (it also serves every lookup by account alone).
    __table_args__ = (Index("ix_support_case_account_newest", "account_id", "created_at", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    type: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    error_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), index=True)
    department: Mapped[str] = mapped_column(String(40), index=True)
    created_by: Mapped[str] = mapped_column(String(36), index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The SLA clock (F-12, cases.servicelevel.state): when a response is due, from when less than one business
    # hour is left (where the alerts job looks), whether the case arrived in closed time (its clock then started
    # at the next opening), when the vendor first answered, and the business time the clock stood still while the
    # case waited for the customer (`paused_since` is set while it waits). Null due times: a case from before
    # the clock, which has none.
    response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    response_warning_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    received_outside_business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # Room for a resolution target: no contract sets one yet, so it stays null; when one does, it is counted
    # like the response (start_response_clock) and moved on by the same pauses (cases.case.service.track_pause).
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # What the customer asked for, by type (consumables items and shipping, relocation or removal request,
    # inquiry topic); null for incidents. Kept as sent so logistics and field service see the whole request.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The latest shipment of a consumables order (F-30), from the logistics system.
    tracking_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    carrier: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A consumables order placed while its account's credit was on hold (F-41) waits for an agent's release;
    # who released it and when.
    awaiting_release: Mapped[bool] = mapped_column(Boolean, default=False)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The guided self-help the customer tried before the case (F-16): the guide's version and the steps answered,
    # their texts in every language of that version (cases.selfhelp.runs.self_help_of); null without one.
    self_help: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The device showed a service-call code: no self-help, a technician is needed (F-16).
    needs_technician: Mapped[bool] = mapped_column(Boolean, default=False)

    followers: Mapped[list["CaseFollower"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseFollower.user_id"
    )

    @property
    def follower_ids(self) -> list[str]:
        return [f.user_id for f in self.followers]


class CaseNumberCounter(Base):
    """The last case number given out per year; incremented in the creating transaction (row-locked)."""

    __tablename__ = "case_number_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class CaseFollower(Base):
    __tablename__ = "case_follower"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_follower"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)


class CaseMessage(Base):
    """A message of either side, or an internal note (`internal`), which only staff write and read."""

    __tablename__ = "case_message"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str] = mapped_column(String(36))
    author_side: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseAttachment(Base):
    """A file sent with a message or an internal note (F-11): whoever may read the message may download it.

    Kept in the cases database, in the message's own transaction, rather than in an object store: a message and
    its files are written, backed up, restored and deleted together (a case removed takes its files along), the
    download is authorised by the same query that finds the case, and no second system has to be run, secured and
    kept consistent for at most 50 MB per message. Only this table and `cases.case.attachments` know where the
    bytes are, so moving them to an object store later changes those two and nothing else. The bytes are read
    only to serve a download: the timeline loads the other columns."""

    __tablename__ = "case_attachment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("case_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    # The type found in the content, never the one the sender claimed: it is the type the file is served as.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatusChange(Base):
    __tablename__ = "case_status_change"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[str] = mapped_column(String(36))
    actor_side: Mapped[str] = mapped_column(String(10))  # customer | vendor | system
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class SlaAlert(Base):
    """An alert about a case's response due time that was published (F-12, F-40): at most one per case and
    threshold, by the key, however many processes look at the case at once (cases.case.alerts)."""

    __tablename__ = "case_sla_alert"

    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), primary_key=True)
    threshold: Mapped[str] = mapped_column(String(20), primary_key=True)  # SlaThreshold
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
