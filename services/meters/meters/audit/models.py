"""The audit trail (F-83): who changed what, when, and from which request."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from meters.database import Base
from shared.db import UtcDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    actor_id: Mapped[str] = mapped_column(String(36), index=True)
    actor_side: Mapped[str] = mapped_column(String(10))  # customer | vendor | system
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str] = mapped_column(
        String(30)
    )  # reading | correction | rejected_reading | read_request
    target_id: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    correlation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
