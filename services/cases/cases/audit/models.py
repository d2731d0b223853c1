"""The audit trail (F-83): who changed what, when, from which request, and the values before and after."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cases.database import Base
from shared.audit import AuditEntryColumns


class AuditEntry(AuditEntryColumns, Base):
    __tablename__ = "audit_entry"

    actor_side: Mapped[str] = mapped_column(String(10))  # customer | vendor | system
    case_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
