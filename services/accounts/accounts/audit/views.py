"""An account's audit trail (F-34, F-83), newest first, for its administrators and the vendor's staff."""

from fastapi import APIRouter
from sqlalchemy import select

from accounts.audit.models import AuditEntry
from accounts.audit.schemas import AuditItem
from accounts.audit.service import CRM, SYSTEM
from accounts.members.access import managed_account
from accounts.users.models import User
from shared.app import DbSession
from shared.auth import CurrentUser
from shared.paging import Page, Paging, count_of

router = APIRouter(prefix="/api/accounts/v1", tags=["audit"])
SYSTEM_ACTOR_NAMES = {CRM: "Vendor CRM", SYSTEM: "Self-service portal"}


async def actor_names(session, actor_ids: set[str]) -> dict[str, str]:
    users = (await session.execute(select(User.id, User.name).where(User.id.in_(actor_ids)))).all()
    return {**SYSTEM_ACTOR_NAMES, **dict(users)}


@router.get("/accounts/{account_id}/audit", response_model=Page[AuditItem])
async def account_audit(
    account_id: str, principal: CurrentUser, session: DbSession, paging: Paging
) -> Page[AuditItem]:
    await managed_account(session, principal, account_id)
    in_account = select(AuditEntry).where(AuditEntry.account_id == account_id)
    entries = (
        await session.scalars(paging.of(in_account.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())))
    ).all()
    names = await actor_names(session, {e.actor_id for e in entries})
    items = [
        AuditItem(
            at=e.at,
            actor_id=e.actor_id,
            actor_name=names.get(e.actor_id, ""),
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            details=e.details or {},
            old_values=e.old_values,
            new_values=e.new_values,
            correlation_id=e.correlation_id,
        )
        for e in entries
    ]
    return Page[AuditItem](**paging.page(items, await count_of(session, in_account)))
