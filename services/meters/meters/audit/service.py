from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from meters.audit.models import AuditEntry
from shared.audit import Changes, audit_values
from shared.auth import Principal

SYSTEM_ACTOR = "system"


def side_of(principal: Principal) -> str:
    return "vendor" if principal.is_staff else "customer"


def record(session: AsyncSession, **entry: Any) -> AuditEntry:
    """Stage an audit entry in the caller's transaction, so it commits (or not) with the change itself.
    Takes the arguments of `entry_values`."""
    audit_entry = AuditEntry(**entry_values(**entry))
    session.add(audit_entry)
    return audit_entry


def entry_values(
    *,
    actor_id: str,
    actor_side: str,
    action: str,
    target_type: str,
    target_id: str,
    changes: Changes | None = None,
    **details: Any,
) -> dict[str, Any]:
    """An audit entry's columns, for `record` and for bulk inserts."""
    return audit_values(
        actor_id=actor_id,
        action=action,
        changes=changes,
        details=details,
        actor_side=actor_side,
        target_type=target_type,
        target_id=target_id,
    )
