"""Customer accounts, as the vendor's CRM knows them (the number is the vendor's account number)."""

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accounts.database import Base, new_id


class Account(Base):
    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    # ISO 3166-2 (ES-MD): the region whose holidays the account's business hours keep (F-12).
    subdivision: Mapped[str | None] = mapped_column(String(6), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The CRM's lists as it sends them (F-34): addresses by kind, contacts by topic (shared.events.vendor).
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Raised with every published snapshot (accounts.database.next_version): the copies keep the newest.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
