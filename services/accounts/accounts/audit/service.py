from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit.models import AuditEntry
from shared.audit import Changes, record_audit

CRM = "system:crm"
SYSTEM = "system:accounts"


def record(
    session: AsyncSession,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    *,
    account: str | None = None,
    changes: Changes | None = None,
    **details,
) -> None:
    """Add an audit row to the caller's transaction, so it exists exactly when the change does.
    `account` (else an `account_id` detail) files the row under that customer account's trail."""
    record_audit(
        session,
        AuditEntry,
        actor_id=actor,
        action=action,
        changes=changes,
        details=details,
        target_type=target_type,
        target_id=target_id,
        account_id=account or details.get("account_id"),
    )
