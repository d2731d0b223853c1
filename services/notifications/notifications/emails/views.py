"""The delivery log for operators (F-61): every email, its status and each attempt. Staff only.

Bodies are not returned: they hold single-use links (password reset, invitation) that operators must not see."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from notifications.emails.models import Email
from notifications.emails.render import KINDS
from shared.app import DbSession
from shared.auth import StaffUser
from shared.paging import Page, Paging, count_of

router = APIRouter(prefix="/api/notifications/v1", tags=["deliveries"])

Status = Literal["pending", "sent", "failed"]
Kind = Literal[KINDS]  # type: ignore[valid-type]


class AttemptOut(BaseModel):
    attempted_at: datetime
    outcome: str
    error: str | None


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    kind: str
    recipient: str
    user_id: str | None
    language: str
    subject: str
    status: Status
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    message_id: str
    attempt_log: list[AttemptOut]


@router.get("/deliveries", response_model=Page[DeliveryOut])
async def list_deliveries(
    _staff: StaffUser,
    session: DbSession,
    paging: Paging,
    status: Status | None = None,
    recipient: Annotated[str | None, Query(max_length=320)] = None,
    kind: Kind | None = None,
    event_id: Annotated[str | None, Query(max_length=100)] = None,
    about: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
) -> Page[DeliveryOut]:
    """Newest first. `recipient` matches the address case-insensitively; `about` keeps the emails whose subject
    names it (a case number: the staff's case page shows the emails sent about the case)."""
    query = select(Email).options(selectinload(Email.attempt_log)).order_by(Email.created_at.desc(), Email.id)
    if status:
        query = query.where(Email.status == status)
    if recipient:
        query = query.where(func.lower(Email.recipient) == recipient.strip().lower())
    if kind:
        query = query.where(Email.kind == kind)
    if event_id:
        query = query.where(Email.event_id == event_id)
    if about:
        escaped = about.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Email.subject.like(f"%{escaped}%", escape="\\"))
    emails = (await session.scalars(paging.of(query))).all()
    items = [DeliveryOut.model_validate(e, from_attributes=True) for e in emails]
    return Page[DeliveryOut](**paging.page(items, await count_of(session, query)))
