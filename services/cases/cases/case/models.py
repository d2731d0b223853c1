"""A case, its followers, its conversation (messages and internal notes) and its status history."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.database import Base
from shared.db import UtcDateTime


class Case(Base):
    __tablename__ = "support_case"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
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
