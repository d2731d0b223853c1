"""Local copies of what `accounts` owns (event-carried state transfer): devices with their assignment and
counters, accounts (for their time zone: a reading's day is the account's local day) and users (their
roles, to find a device's managers and administrators, and their names, to name who submitted a reading)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meters.database import Base


class Device(Base):
    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    serial: Mapped[str] = mapped_column(String(50), unique=True)
    model: Mapped[str] = mapped_column(String(100))
    counters: Mapped[list[str]] = mapped_column(JSON)
    daily_volume: Mapped[int] = mapped_column(Integer, default=200)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The version of the snapshot from `accounts` this copy holds: an older one arriving late is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    assignments: Mapped[list["DeviceAssignment"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def assigned_user_ids(self) -> list[str]:
        return [a.user_id for a in self.assignments]


class DeviceAssignment(Base):
    __tablename__ = "device_assignment"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class Account(Base):
    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(50), index=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The version of the snapshot from `accounts` this copy holds: an older one arriving late is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class User(Base):
    __tablename__ = "user_copy"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # The version of the snapshot from `accounts` this copy holds: an older one arriving late is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    memberships: Mapped[list["Membership"]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class Membership(Base):
    """A user's role in one account; a table (not JSON) so "the administrators of account X" is one query."""

    __tablename__ = "membership"

    user_id: Mapped[str] = mapped_column(ForeignKey("user_copy.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(30))


def time_zone_of(account: Account | None) -> ZoneInfo:
    """The account's zone; UTC until its copy arrives (or for a zone this machine does not know)."""
    try:
        return ZoneInfo(account.time_zone) if account else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date_of(account: Account | None, moment: datetime) -> date:
    return moment.astimezone(time_zone_of(account)).date()
