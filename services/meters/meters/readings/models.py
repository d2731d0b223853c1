"""Readings (F-20 to F-23), counter corrections (F-26) and automatic readings kept for review (F-24)."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from meters.database import Base
from shared.db import UtcDateTime


class Reading(Base):
    """One accepted reading: a value per counter of the device (`counters`: name -> value)."""

    __tablename__ = "reading"
    __table_args__ = (
        # F-21.2: one reading per device per local day, also when two arrive at the same moment.
        UniqueConstraint("device_id", "local_date", name="uq_reading_device_local_date"),
        Index("ix_reading_device_read_at", "device_id", "read_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"))
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    local_date: Mapped[date] = mapped_column(Date)  # the account's calendar day of read_at
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(12))  # customer | automatic | agent | estimate
    submitted_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    confirmed_implausible: Mapped[bool] = mapped_column(Boolean, default=False)
    counters: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CounterCorrection(Base):
    """A counter reset or a device replacement recorded by an agent: the named counters' baseline restarts
    after `recorded_at` (the next reading may be lower)."""

    __tablename__ = "counter_correction"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # counter_reset | device_replacement
    counters: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(36))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RejectedReading(Base):
    """An automatic reading that broke a rule, kept for an agent to review instead of being dropped."""

    __tablename__ = "rejected_reading"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(36))
    serial: Mapped[str] = mapped_column(String(50))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counters: Mapped[dict[str, int]] = mapped_column(JSON)
    reason_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(20), nullable=True)  # dismissed | accepted_as_agent
    reading_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
