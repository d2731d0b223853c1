"""What the fleet software tells about each device (F-50, F-71): whether it is online and since when, its outages,
its toner levels; and what the customer's Stock Manager keeps for it (SPEC §1): shipping instructions and the
consumables on site.

Why `cases` owns a device's online state (and not `meters`, which also hears `fleet.meter.collected`): what an
outage leads to is a case (a technical-support case after N days, noted when the device comes back), and the people
to tell are those who may see the device, whose copy `cases` keeps; the toner forecast offers a consumables order,
which is a case too, and is held back while one for the same item is open. Keeping the state where those cases
live lets each decision be taken in one transaction of one database, with its constraints."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.database import Base
from shared.db import UtcDateTime


class DeviceConnection(Base):
    """A device's online state: `changed_at` is the fleet's time of the latest change (the outage's start, or the
    return), so a late or repeated report older than it changes nothing; `outage_id` the outage under way."""

    __tablename__ = "device_connection"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outage_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class DeviceOutage(Base):
    """One outage of a device, from the fleet's `since` to its return (`ended_at`, null while it lasts)."""

    __tablename__ = "device_outage"
    __table_args__ = (UniqueConstraint("device_id", "started_at", name="uq_device_outage_start"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OutageCase(Base):
    """The technical-support case an outage opened: at most one per outage, by the key, however many processes
    reach the outage at once (cases.fleet.jobs)."""

    __tablename__ = "device_outage_case"

    outage_id: Mapped[str] = mapped_column(
        ForeignKey("device_outage.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[str] = mapped_column(String(36), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TonerLevel(Base):
    """One toner level a device reported (a reading's, or a low-toner signal's: `low_signal`)."""

    __tablename__ = "toner_level"
    __table_args__ = (UniqueConstraint("device_id", "colour", "at", name="uq_toner_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    colour: Mapped[str] = mapped_column(String(10))
    level: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    low_signal: Mapped[bool] = mapped_column(Boolean, default=False)


class ShippingInstructions(Base):
    """What every new consumables order of the device says to the carrier unless the order says otherwise."""

    __tablename__ = "shipping_instructions"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instructions: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OnSiteStock(Base):
    """How many of a consumable are in the customer's cupboard for the device; never below zero."""

    __tablename__ = "onsite_stock"
    __table_args__ = (CheckConstraint("quantity >= 0", name="ck_onsite_stock_not_negative"),)

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sku: Mapped[str] = mapped_column(String(50), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StockReceipt(Base):
    """A delivered order whose items were added to the stock on site: once per order, by the key."""

    __tablename__ = "stock_receipt"

    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
