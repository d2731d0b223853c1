import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from meters.audit.models import AuditEntry
from shared.auth import Principal
from shared.db import utcnow
from shared.logging import current_correlation_id

SYSTEM_ACTOR = "system"


def side_of(principal: Principal) -> str:
    return "vendor" if principal.is_staff else "customer"


def record(
    session: AsyncSession,
    *,
    actor_id: str,
    actor_side: str,
    action: str,
    target_type: str,
    target_id: str,
    **details: Any,
) -> AuditEntry:
    """Stage an audit entry in the caller's transaction, so it commits (or not) with the change itself."""
    entry = AuditEntry(
        **entry_values(
            actor_id=actor_id,
            actor_side=actor_side,
            action=action,
            target_type=target_type,
            target_id=target_id,
            **details,
        )
    )
    session.add(entry)
    return entry


def entry_values(
    *, actor_id: str, actor_side: str, action: str, target_type: str, target_id: str, **details: Any
) -> dict[str, Any]:
    """An audit entry's columns, for `record` and for bulk inserts."""
    return {
        "id": str(uuid.uuid4()),
        "actor_id": actor_id,
        "actor_side": actor_side,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details,
        "at": utcnow(),
        "correlation_id": current_correlation_id(),
    }
