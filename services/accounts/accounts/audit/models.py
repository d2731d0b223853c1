"""The audit trail (F-83): who changed what, when, from which request."""

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from accounts.database import Base, new_id
from shared.db import UtcDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    actor: Mapped[str] = mapped_column(String(64))  # a user id, or "system:crm"
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(36))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    correlation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The customer account the change belongs to, so its administrators can read its trail (F-34).
    account_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
