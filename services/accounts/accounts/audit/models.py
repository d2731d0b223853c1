"""The audit trail (F-83): who changed what, when, from which request, and the values before and after."""

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from accounts.database import Base
from shared.audit import AuditEntryColumns


class AuditEntry(AuditEntryColumns, Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_target", "target_type", "target_id"),
        Index("ix_audit_entry_at", "at"),
    )

    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(36))
    # The customer account the change belongs to, so its administrators can read its trail (F-34).
    account_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
