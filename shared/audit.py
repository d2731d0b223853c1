"""The audit trail (F-83): who changed what, when, from which request, and the values before and after.

Services share no tables: each maps `AuditEntryColumns` onto its own `audit_entry` table (adding the columns
it files entries under, such as a case or a target) and writes through `record_audit`, or `audit_values` for
bulk inserts."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UtcDateTime, utcnow
from shared.logging import current_correlation_id

# A change as {field: (old value, new value)}; the values must be JSON-serialisable.
Changes = Mapping[str, tuple[Any, Any]]


Entry = TypeVar("Entry", bound="AuditEntryColumns")


class AuditEntryColumns:
    """The columns every audit entry has, as a declarative mixin for a service's own audit table."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    actor_id: Mapped[str] = mapped_column(String(64), index=True)  # a user id, or a system such as "crm"
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    correlation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


def audit_values(
    *,
    actor_id: str,
    action: str,
    changes: Changes | None = None,
    details: Mapping[str, Any] | None = None,
    **columns: Any,
) -> dict[str, Any]:
    """An audit entry's column values (for bulk inserts); `columns` are the service's own (a case id, say)."""
    return {
        "id": str(uuid.uuid4()),
        "actor_id": actor_id,
        "action": action,
        "details": dict(details or {}),
        "old_values": {field: old for field, (old, _new) in changes.items()} if changes else None,
        "new_values": {field: new for field, (_old, new) in changes.items()} if changes else None,
        "at": utcnow(),
        "correlation_id": current_correlation_id(),
        **columns,
    }


def record_audit(session: AsyncSession, entry_class: type[Entry], **values: Any) -> Entry:
    """Stage an audit entry in the caller's transaction, so it exists exactly when the change does.
    Takes the arguments of `audit_values`."""
    entry = entry_class(**audit_values(**values))
    session.add(entry)
    return entry


def apply_changes(target: Any, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set the given attributes on the target; returns those that changed as {field: (old, new)}."""
    changes = {
        name: (getattr(target, name), value)
        for name, value in values.items()
        if getattr(target, name) != value
    }
    for name, (_old, new) in changes.items():
        setattr(target, name, new)
    return changes
