"""The local copy of recipients, kept from `accounts.user.upserted` (event-carried state transfer)."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from notifications.database import Base
from shared.db import UtcDateTime


class Recipient(Base):
    __tablename__ = "recipient"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    time_zone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean)
    staff_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    memberships: Mapped[dict[str, str]] = mapped_column(JSON)  # account id -> role
    notification_preferences: Mapped[dict[str, bool]] = mapped_column(JSON)
    # Time of the event this copy reflects: an older event arriving late must not overwrite a newer state.
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    # The version of the snapshot from `accounts` this copy holds: an older one arriving late is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def wants(self, preference: str) -> bool:
        """Active, and not opted out of this kind of message (a missing preference means on)."""
        return self.active and self.notification_preferences.get(preference, True) is not False
