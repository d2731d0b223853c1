"""The local copy of devices and their assignment, kept from `accounts.*` events."""

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
    assignments: Mapped[list["DeviceAssignment"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")


class DeviceAssignment(Base):
    __tablename__ = "device_assignment"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
