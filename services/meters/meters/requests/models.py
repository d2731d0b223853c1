"""Reading requests from the billing system (F-25) and the devices they ask readings of."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meters.database import Base
from shared.db import UtcDateTime


class ReadRequest(Base):
    __tablename__ = "read_request"
    __table_args__ = (Index("ix_read_request_open", "closed_at", "reminded_at"),)

    request_id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the billing system's id
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The account's local day it opened: a reading of that day or later answers it.
    opened_on: Mapped[date] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    devices: Mapped[list["ReadRequestDevice"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReadRequestDevice.serial"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def due_devices(self) -> list["ReadRequestDevice"]:
        return [d for d in self.devices if d.reading_id is None]


class ReadRequestDevice(Base):
    __tablename__ = "read_request_device"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("read_request.request_id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), primary_key=True, index=True)
    serial: Mapped[str] = mapped_column(String(50))
    reading_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # the reading that answered it
