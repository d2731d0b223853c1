import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.models import AuditEntry
from shared.db import utcnow
from shared.logging import current_correlation_id

SYSTEM_ACTOR = "system"


def record(
    session: AsyncSession, *, actor_id: str, actor_side: str, action: str, case_id: str | None, **details: Any
) -> AuditEntry:
    """Stage an audit entry in the caller's transaction, so it commits (or not) with the change itself."""
    entry = AuditEntry(
        id=str(uuid.uuid4()),
        actor_id=actor_id,
        actor_side=actor_side,
        action=action,
        case_id=case_id,
        details=details,
        at=utcnow(),
        correlation_id=current_correlation_id(),
    )
    session.add(entry)
    return entry
