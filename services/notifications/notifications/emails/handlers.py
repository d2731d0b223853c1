"""What to tell whom (F-60): each handler turns one event into pending emails, in its inbox transaction.

Case updates (an order shipped and a technician visit scheduled among them) and meter readings (accepted, requested,
reminded) go to the users the event names who are active and have not opted out of that kind; security messages
(verification, password reset, invitation) go to the address in the event and ignore preferences."""

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.devices.models import DeviceCopy
from notifications.emails.carriers import tracking_url
from notifications.emails.postbox import Addressee, Postbox
from notifications.recipients.models import Recipient
from shared.bus import EventHandlers, HandlerContext
from shared.events.accounts import (
    EmailVerificationRequested,
    InvitationIssued,
    PasswordResetRequested,
    RegistrationAwaitingApproval,
    RegistrationDecided,
)
from shared.events.cases import (
    CaseCreated,
    CaseMessageAdded,
    CaseSlaAlert,
    CaseSlaBreached,
    CaseSlaWarning,
    CaseStatusChanged,
    DeviceWentOffline,
    OrderShipped,
    VisitUpdated,
)
from shared.events.meters import ReadingAccepted, ReadRequestOpened, ReadRequestReminded
from shared.events.vocabulary import CaseStatus, CaseType, CustomerRole, EmailKind, Side

log = logging.getLogger(__name__)


class RecipientsNotKnownYet(Exception):
    """A user named by an event is not in the local copy yet: `accounts.user.upserted` travels on its own and may
    arrive later. The bus retries the event (with delays) and parks it if the user never shows up."""


async def recipients(session: AsyncSession, user_ids: list[str]) -> list[Recipient]:
    wanted = list(dict.fromkeys(user_ids))
    found = {
        r.user_id: r
        for r in (await session.scalars(select(Recipient).where(Recipient.user_id.in_(wanted)))).all()
    }
    if missing := [user_id for user_id in wanted if user_id not in found]:
        raise RecipientsNotKnownYet(f"users not in the local copy yet: {', '.join(missing)}")
    return [found[user_id] for user_id in wanted]


async def known_time_zone(session: AsyncSession, user_id: str) -> str:
    recipient = await session.get(Recipient, user_id)
    return recipient.time_zone if recipient else "UTC"


async def invitee_time_zone(session: AsyncSession, email: str, given: str | None = None) -> str:
    """One already known (a user invited to a second account) keeps their zone; an invitee not known yet has the
    zone the invitation gives (the account's), so the expiry is in the reader's time."""
    known = await session.scalar(
        select(Recipient.time_zone).where(func.lower(Recipient.email) == email.strip().lower()).limit(1)
    )
    return known or given or "UTC"


handlers = EventHandlers()


def postbox_of(ctx: HandlerContext) -> Postbox:
    return ctx.resources.postbox  # set up at startup, before the consumer starts


async def tell_users(
    ctx: HandlerContext,
    user_ids: list[str],
    preference: str,
    kind: str,
    *,
    skip_user: str | None = None,
    account_id: str | None = None,
    per_user: Callable[[str], dict[str, Any]] | None = None,
    **email,
) -> None:
    """Queue an email to each of these users who is active and wants this kind, except `skip_user`. With
    `account_id` (a case's), only to users still in that account: a link they cannot open is not sent.
    `per_user` gives what differs from one user's email to the next (their own survey link)."""
    for recipient in await recipients(ctx.session, user_ids):
        if recipient.user_id == skip_user:
            continue
        if account_id is not None and account_id not in recipient.memberships:
            log.info("not emailing %s about %s: no longer in account %s", recipient.user_id, kind, account_id)
            continue
        if not recipient.wants(preference):
            log.info("not emailing %s about %s: inactive or opted out", recipient.user_id, kind)
            continue
        own = per_user(recipient.user_id) if per_user else {}
        await postbox_of(ctx).queue(
            ctx.session, event_id=ctx.event.id, kind=kind, to=Addressee.of(recipient), **email, **own
        )


def described_device(device: DeviceCopy | None) -> dict[str, str] | None:
    return (
        None if device is None else {"serial": device.serial, "model": device.model, "place": device.place()}
    )


@handlers.on(CaseCreated)
async def email_case_created(ctx: HandlerContext, data: CaseCreated) -> None:
    """The email repeats what the case is about (device, problem) and when the response is due, so that the
    reader need not open the portal to know it."""
    device = await ctx.session.get(DeviceCopy, data.device_id) if data.device_id else None
    await tell_users(
        ctx,
        data.follower_ids,
        "case_created",
        "case_created",
        account_id=data.account_id,
        link_path=f"/cases/{data.case_id}",
        number=data.number,
        subject=data.subject,
        response_due_at=data.response_due_at,
        received_outside_business_hours=data.received_outside_business_hours,
        device=described_device(device),
        problem=data.category if data.type == CaseType.INCIDENT else data.type,
    )


async def email_sla_alert(ctx: HandlerContext, data: CaseSlaAlert, kind: EmailKind) -> None:
    """Tell the staff the event names about a case's response due time (F-12, F-40). An alert is part of their
    work, not news they may switch off: every active one of them gets it."""
    await tell_users(
        ctx,
        data.recipient_ids,
        kind,
        kind,
        link_path=f"/agent/cases/{data.case_id}",
        number=data.number,
        subject=data.subject,
        account=data.account_name,
        response_due_at=data.response_due_at,
    )


@handlers.on(CaseSlaWarning)
async def email_sla_warning(ctx: HandlerContext, data: CaseSlaWarning) -> None:
    await email_sla_alert(ctx, data, EmailKind.CASE_SLA_WARNING)


@handlers.on(CaseSlaBreached)
async def email_sla_breached(ctx: HandlerContext, data: CaseSlaBreached) -> None:
    await email_sla_alert(ctx, data, EmailKind.CASE_SLA_BREACHED)


@handlers.on(CaseStatusChanged)
async def email_status_changed(ctx: HandlerContext, data: CaseStatusChanged) -> None:
    case: dict[str, Any] = {
        "link_path": f"/cases/{data.case_id}",
        "number": data.number,
        "subject": data.subject,
    }
    if data.new_status == CaseStatus.RESOLVED:
        await tell_users(
            ctx,
            data.follower_ids,
            "case_resolved",
            "case_resolved",
            account_id=data.account_id,
            skip_user=data.changed_by,
            # Each follower's own survey link (F-15); none for a follower the event names without one.
            per_user=lambda user_id: {"survey_path": data.survey_paths.get(user_id)},
            **case,
        )
    else:
        await tell_users(
            ctx,
            data.follower_ids,
            "case_status_changed",
            "case_status_changed",
            account_id=data.account_id,
            skip_user=data.changed_by,
            old_status=data.old_status,
            new_status=data.new_status,
            **case,
        )


@handlers.on(CaseMessageAdded)
async def email_vendor_message(ctx: HandlerContext, data: CaseMessageAdded) -> None:
    # Internal notes never reach a customer; a customer's own messages are not echoed to customers.
    if data.internal or data.author_side != Side.VENDOR:
        return
    await tell_users(
        ctx,
        data.follower_ids,
        "case_message",
        "case_message",
        account_id=data.account_id,
        skip_user=data.author_id,
        link_path=f"/cases/{data.case_id}",
        number=data.number,
        subject=data.subject,
        body=data.body,
        # Named with their sizes; the bytes stay on the case page, behind its access checks.
        attachments=[file.model_dump() for file in data.attachments],
    )


@handlers.on(OrderShipped)
async def email_order_shipped(ctx: HandlerContext, data: OrderShipped) -> None:
    await tell_users(
        ctx,
        data.follower_ids,
        "order_shipped",
        "order_shipped",
        account_id=data.account_id,
        link_path=f"/cases/{data.case_id}",
        number=data.number,
        subject=data.subject,
        tracking_reference=data.tracking_reference,
        carrier=data.carrier,
        tracking_url=tracking_url(data.carrier, data.tracking_reference),
    )


@handlers.on(VisitUpdated)
async def email_visit_scheduled(ctx: HandlerContext, data: VisitUpdated) -> None:
    # Only the appointment is worth an email; "on site" and "done" are seen by whoever meets the technician.
    if data.status != "scheduled":
        return
    await tell_users(
        ctx,
        data.follower_ids,
        "case_status_changed",
        "visit_scheduled",
        account_id=data.account_id,
        link_path=f"/cases/{data.case_id}",
        number=data.number,
        subject=data.subject,
        scheduled_for=data.scheduled_for,
        technician=data.technician,
    )


@handlers.on(DeviceWentOffline)
async def email_device_offline(ctx: HandlerContext, data: DeviceWentOffline) -> None:
    """Once per outage (the cases service publishes one event per outage): the device's managers, else the
    account's administrators, with the link to the device's reconnection guide."""
    await tell_users(
        ctx,
        data.recipient_ids,
        EmailKind.DEVICE_OFFLINE,
        EmailKind.DEVICE_OFFLINE,
        account_id=data.account_id,
        link_path=data.guide_path,
        serial=data.serial,
        model=data.model,
        offline_since=data.offline_since,
    )


@handlers.on(EmailVerificationRequested)
async def email_verification_link(ctx: HandlerContext, data: EmailVerificationRequested) -> None:
    session, event = ctx.session, ctx.event
    # Sent whatever the local copy says: a new registrant is typically not active (nor known) yet.
    to = Addressee(
        data.email.strip(),
        data.name,
        data.language,
        await known_time_zone(session, data.user_id),
        data.user_id,
    )
    await postbox_of(ctx).queue(
        session, event_id=event.id, kind="email_verification", to=to, link_path=data.link_path
    )


@handlers.on(PasswordResetRequested)
async def email_password_reset_link(ctx: HandlerContext, data: PasswordResetRequested) -> None:
    session, event = ctx.session, ctx.event
    known = await session.get(Recipient, data.user_id)
    if known is not None and not known.active:
        log.info("not emailing a password reset to deactivated user %s", data.user_id)
        return
    to = Addressee(
        data.email.strip(), data.name, data.language, known.time_zone if known else "UTC", data.user_id
    )
    await postbox_of(ctx).queue(
        session, event_id=event.id, kind="password_reset", to=to, link_path=data.link_path
    )


@handlers.on(InvitationIssued)
async def email_invitation(ctx: HandlerContext, data: InvitationIssued) -> None:
    session, event = ctx.session, ctx.event
    time_zone = await invitee_time_zone(session, data.email, data.time_zone)
    to = Addressee(data.email.strip(), data.name, data.language, time_zone)
    await postbox_of(ctx).queue(
        session,
        event_id=event.id,
        kind="invitation",
        to=to,
        link_path=data.link_path,
        account=data.account_name,
        invited_role=data.role,
        expires_at=data.expires_at,
        invited_by=data.invited_by_name,
    )


@handlers.on(RegistrationDecided)
async def email_applicant(ctx: HandlerContext, data: RegistrationDecided) -> None:
    """The applicant learns the decision (the registration page promised it): sent whatever the preferences, as
    an applicant has none yet, and a declined one never will."""
    session, event = ctx.session, ctx.event
    time_zone = await known_time_zone(session, data.user_id) if data.user_id else "UTC"
    to = Addressee(data.email.strip(), data.name, data.language, time_zone, data.user_id)
    await postbox_of(ctx).queue(
        session,
        event_id=event.id,
        kind="registration_decided",
        to=to,
        link_path=data.link_path,
        account=data.account_name,
        outcome=data.outcome,
    )


@handlers.on(RegistrationAwaitingApproval)
async def email_approvers(ctx: HandlerContext, data: RegistrationAwaitingApproval) -> None:
    await tell_users(
        ctx,
        data.approver_user_ids,
        "registration_awaiting_approval",
        "registration_awaiting_approval",
        link_path=data.link_path,
        account=data.account_name,
        applicant=data.applicant_name,
        applicant_email=data.applicant_email,
    )


# Automatic collection happens daily without anyone acting: an email for each would be noise.
@handlers.on(ReadingAccepted, when=lambda data: data.source != "automatic")
async def email_reading_accepted(ctx: HandlerContext, data: ReadingAccepted) -> None:
    await tell_users(
        ctx,
        data.recipient_ids,
        "reading_accepted",
        "reading_accepted",
        link_path=f"/devices/{data.device_id}",
        serial=data.serial,
        local_date=data.local_date,
        counters=data.counters,
    )


async def device_copies(session: AsyncSession, device_ids: list[str]) -> dict[str, DeviceCopy]:
    if not device_ids:
        return {}
    rows = (await session.scalars(select(DeviceCopy).where(DeviceCopy.device_id.in_(device_ids)))).all()
    return {row.device_id: row for row in rows}


async def tell_about_readings(
    ctx: HandlerContext, data: ReadRequestOpened | ReadRequestReminded, kind: str
) -> None:
    """Each recipient is emailed the due devices they may see (an administrator all of the account's, anyone
    else the ones assigned to them), each with its model, where it stands and its latest reading; someone who
    may see none of them is not emailed at all."""
    copies = await device_copies(ctx.session, [d.device_id for d in data.devices])
    described: list[dict[str, Any]] = [
        {
            "serial": d.serial,
            "model": d.model,
            "place": copies[d.device_id].place() if d.device_id in copies else "",
            "last_reading_date": d.last_reading_date,
            "last_counters": d.last_counters,
            "assigned_user_ids": d.assigned_user_ids,
        }
        for d in data.devices
    ]
    for recipient in await recipients(ctx.session, data.recipient_ids):
        role = recipient.memberships.get(data.account_id)
        if role is None or not recipient.wants("reading_requested"):
            log.info(
                "not emailing %s about %s: not in the account, inactive or opted out", recipient.user_id, kind
            )
            continue
        if described:
            visible = [
                d
                for d in described
                if role == CustomerRole.ADMINISTRATOR or recipient.user_id in d["assigned_user_ids"]
            ]
        else:  # an event from before devices were described: its serials, as they were
            visible = [
                {"serial": s, "model": "", "place": "", "last_reading_date": None, "last_counters": {}}
                for s in data.serials
            ]
        if not visible:
            log.info("not emailing %s about %s: none of its devices is theirs", recipient.user_id, kind)
            continue
        await postbox_of(ctx).queue(
            ctx.session,
            event_id=ctx.event.id,
            kind=kind,
            to=Addressee.of(recipient),
            link_path=data.link_path,
            devices=visible,
            due_date=data.due_date,
        )


@handlers.on(ReadRequestOpened)
async def email_read_request(ctx: HandlerContext, data: ReadRequestOpened) -> None:
    await tell_about_readings(ctx, data, "read_request_opened")


@handlers.on(ReadRequestReminded)
async def email_read_request_reminder(ctx: HandlerContext, data: ReadRequestReminded) -> None:
    await tell_about_readings(ctx, data, "read_request_reminded")
