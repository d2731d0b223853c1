"""The audit trail (F-83): who changed what, when, from which request, and the values before and after."""

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from meters.database import Base
from shared.audit import AuditEntryColumns


class AuditEntry(AuditEntryColumns, Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    actor_side: Mapped[str] = mapped_column(String(10))  # customer | vendor | system
    # reading | correction | rejected_reading | read_request
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(100))
