"""Local copies of what `accounts` owns (event-carried state transfer): accounts, users and devices with
their assignment. They decide who may see which case and name the people in a case's timeline."""

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.database import Base


class Account(Base):
    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(6), nullable=True)  # ISO 3166-2: regional holidays
    time_zone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The account's credit status from `accounts.credit_status.changed` (F-41), vendor-only: while `hold`, a
    # consumables order waits for an agent's release; the agent sees it on every case of the account.
    credit_status: Mapped[str] = mapped_column(String(10), default="good")
    credit_reason: Mapped[str] = mapped_column(String(500), default="")
    # The version of the snapshot from `accounts` this copy holds: an older one arriving late is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def on_credit_hold(self) -> bool:
        return self.credit_status == "hold"


class User(Base):
    __tablename__ = "user_copy"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # How the vendor's staff reach the customer who wrote a case (the agent's side panel, F-40).
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    language: Mapped[str] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # account id -> role, the same shape as in the access token.
    memberships: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The version of the snapshot from `accounts` this copy holds: an older one arriving late is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None


class Device(Base):
    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    # Indexed: each of the fleet's reports names its device by serial (cases.fleet.handlers).
    serial: Mapped[str] = mapped_column(String(50), index=True)
    model: Mapped[str] = mapped_column(String(100))
    # The contract's response time in business hours (the SLA clock, F-12).
    response_time_hours: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The address and on-site location (accounts' Location): where a consumables order goes by default.
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=dict)
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
