"""The business-hours calendars (F-12, F-42): one per country or region the accounts are in, the days on which each
departs from its week, and the accounts a supervisor gave another calendar than their country's."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.database import Base
from shared.db import UtcDateTime, utcnow


class Calendar(Base):
    __tablename__ = "business_calendar"

    # The ISO 3166 code of where it applies: a country (`SE`) or a subdivision (`ES-MD`).
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(6), nullable=True)  # ISO 3166-2
    # The `holidays` package's categories: `public`, and e.g. Sweden's `de_facto`.
    holiday_categories: Mapped[list[str]] = mapped_column(JSON)
    # Seven days, Monday first, each a list of [opens, closes] local times ("08:00", "17:00").
    weekly_hours: Mapped[list[list[list[str]]]] = mapped_column(JSON)
    # Raised by every change, so that each process rebuilds its cached calendar (cases.calendars.service).
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    days: Mapped[list["CalendarDay"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CalendarDay.day"
    )


class CalendarDay(Base):
    """A day closed although the week opens it, or opened although the week or a holiday closes it. One kind per
    day: the key makes a day either closed or extra open, never both."""

    __tablename__ = "calendar_day"

    calendar_id: Mapped[str] = mapped_column(
        ForeignKey("business_calendar.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # CalendarDayKind
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarAssignment(Base):
    """An account that keeps another calendar than the one of its country and subdivision."""

    __tablename__ = "calendar_assignment"

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    calendar_id: Mapped[str] = mapped_column(ForeignKey("business_calendar.id"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
