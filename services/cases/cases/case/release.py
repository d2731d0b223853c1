"""A consumables order from an account whose credit is on hold waits for an agent's release (F-41).

The order is opened as usual (the customer sees it, neutrally worded as waiting for a review), but
`cases.case.created` says `awaiting_release` and logistics ships nothing until `cases.order.released`. Only the
vendor's staff release it; releasing one that does not wait is a 409 that changes nothing."""

from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import Case
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Problem
from shared.events.cases import OrderReleased
from shared.outbox import Outbox


async def release_order(session: AsyncSession, outbox: Outbox, principal: Principal, case: Case) -> None:
    if not case.awaiting_release:
        raise Problem(
            409,
            "Not waiting for a release",
            f"Case {case.number} is not an order waiting for a release.",
            code="not_awaiting_release",
            params={"number": case.number},
        )
    now = utcnow()
    case.awaiting_release, case.released_at, case.released_by = False, now, principal.user_id
    case.updated_at = now
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side="vendor",
        action="order.released",
        case_id=case.id,
        number=case.number,
        account_id=case.account_id,
    )
    await outbox.add(
        session,
        OrderReleased(
            case_id=case.id,
            number=case.number,
            account_id=case.account_id,
            device_id=case.device_id,
            subject=case.subject,
            details=case.details,
            released_by=principal.user_id,
            released_at=now,
            follower_ids=case.follower_ids,
        ),
        subject=case.id,
    )
