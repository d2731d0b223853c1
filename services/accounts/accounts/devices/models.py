"""Devices (the CRM's products) of customer accounts, and which users they are assigned to."""

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.customer_accounts.models import Account
from accounts.database import Base, new_id

COUNTERS_BY_MODEL_CLASS = {
    "mono": ["black"],
    "colour": ["black", "colour"],
    "a3_colour": ["black", "colour", "large"],
}
LOCATION_FIELDS = (
    "street",
    "postal_code",
    "city",
    "region",
    "country",
    "building",
    "floor",
    "room",
    "contact_name",
    "contact_phone",
)


class Device(Base):
    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    serial: Mapped[str] = mapped_column(String(50), unique=True)
    model: Mapped[str] = mapped_column(String(100))
    model_class: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    building: Mapped[str] = mapped_column(String(100), default="")
    floor: Mapped[str] = mapped_column(String(50), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    contract_number: Mapped[str] = mapped_column(String(50), default="")
    response_time_hours: Mapped[int] = mapped_column(Integer, default=8)
    daily_volume: Mapped[int] = mapped_column(Integer, default=200)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised with every published snapshot (accounts.database.next_version): the copies keep the newest.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    account: Mapped[Account] = relationship(lazy="selectin")
    assignments: Mapped[list["DeviceAssignment"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def counters(self) -> list[str]:
        return COUNTERS_BY_MODEL_CLASS[self.model_class]

    @property
    def assigned_user_ids(self) -> list[str]:
        return sorted(a.user_id for a in self.assignments)

    def location(self) -> dict[str, str]:
        return {name: getattr(self, name) or "" for name in LOCATION_FIELDS}


class DeviceAssignment(Base):
    __tablename__ = "device_assignment"
    __table_args__ = (UniqueConstraint("device_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
