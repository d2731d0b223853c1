"""The local copy of devices, kept from `accounts.device.upserted` (event-carried state transfer): what an email
says about a device (its model and where it stands) without asking another service, and who is assigned to it,
so that an email lists to each reader only the devices they may see."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from notifications.database import Base
from shared.db import UtcDateTime


class DeviceCopy(Base):
    __tablename__ = "device"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    serial: Mapped[str] = mapped_column(String(50))
    model: Mapped[str] = mapped_column(String(100))
    location: Mapped[dict[str, str]] = mapped_column(JSON)  # the Location fields of the event
    assigned_user_ids: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Time of the event this copy reflects: an older event arriving late must not overwrite a newer state.
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    # The version of the snapshot from `accounts` this copy holds: an older one arriving late is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def place(self) -> str:
        """'Calle Mayor 1, Madrid · Edificio A, planta 2, Recepción': the address and the spot, as given."""
        where = self.location or {}
        address = ", ".join(part for part in (where.get("street"), where.get("city")) if part)
        spot = ", ".join(
            part for part in (where.get("building"), where.get("floor"), where.get("room")) if part
        )
        return " · ".join(part for part in (address, spot) if part)
