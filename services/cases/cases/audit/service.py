from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.models import AuditEntry
from shared.audit import Changes, record_audit
from shared.auth import Principal
from shared.events.vocabulary import Side

SYSTEM_ACTOR = "system"


def record(
    session: AsyncSession,
    *,
    actor_id: str,
    actor_side: str,
    action: str,
    case_id: str | None,
    changes: Changes | None = None,
    **details: Any,
) -> AuditEntry:
    """Stage an audit entry of a case (or of none) in the caller's transaction."""
    return record_audit(
        session,
        AuditEntry,
        actor_id=actor_id,
        action=action,
        changes=changes,
        details=details,
        actor_side=actor_side,
        case_id=case_id,
    )


def record_staff_change(
    session: AsyncSession, principal: Principal, action: str, changes: Changes, **details: Any
) -> AuditEntry:
    """Stage the audit entry of a change the vendor's staff made to no case (departments, routing rules)."""
    return record(
        session,
        actor_id=principal.user_id,
        actor_side=Side.VENDOR,
        action=action,
        case_id=None,
        changes=changes,
        **details,
    )
