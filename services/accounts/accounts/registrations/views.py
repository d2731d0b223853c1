"""Self-registration (F-01): register, verify the email, then an approver decides."""

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.audit.service import record
from accounts.auth.throttle import may_send_email
from accounts.auth.views import client_ip
from accounts.customer_accounts.models import Account
from accounts.database import new_id
from accounts.devices.events import publish_device
from accounts.devices.models import Device
from accounts.registrations.models import (
    APPROVED,
    AWAITING_APPROVAL,
    PENDING_VERIFICATION,
    REFUSED,
    Registration,
)
from accounts.registrations.schemas import (
    Decision,
    RegistrationOut,
    RegistrationRequest,
    RegistrationState,
    VerificationOutcome,
    VerifyRequest,
)
from accounts.registrations.service import (
    approver_ids,
    decidable_registration,
    devices_of_account,
)
from accounts.tokens import new_secret, secret_hash
from accounts.users.events import publish_user
from accounts.users.passwords import check_password_rules, hash_password
from accounts.users.service import assign_device, create_user, normalize_email, set_membership, user_by_email
from shared.app import DbSession, OutboxDep
from shared.auth import CurrentUser
from shared.db import utcnow
from shared.errors import Problem, field_error, forbidden
from shared.events.accounts import (
    EmailVerificationRequested,
    RegistrationAwaitingApproval,
    RegistrationDecided,
)
from shared.events.vocabulary import CustomerRole
from shared.paging import Items

router = APIRouter(prefix="/api/accounts/v1", tags=["registrations"])
VERIFICATION_LIFETIME = timedelta(hours=48)


def registration_out(registration: Registration) -> RegistrationOut:
    return RegistrationOut(
        id=registration.id,
        account_id=registration.account_id,
        account_number=registration.account.number,
        account_name=registration.account.name,
        name=registration.name,
        email=registration.email,
        language=registration.language,
        serial=registration.serial,
        status=registration.status,
        created_at=registration.created_at,
    )


@router.post("/registrations", status_code=202, response_model=RegistrationState)
async def register(
    body: RegistrationRequest, request: Request, session: DbSession, outbox: OutboxDep
) -> dict:
    async with session.begin():
        device = await session.scalar(
            select(Device)
            .join(Account)
            .where(
                Account.number == body.account_number.strip(),
                Device.serial == body.serial.strip(),
                Device.active.is_(True),
                Account.active.is_(True),
            )
        )
        if device is None:
            # One answer for an unknown account and a serial of another account: no probing of either.
            raise field_error(
                "serial",
                "This serial number does not match a device of that account number.",
                field_code="serial_mismatch",
            )
        check_password_rules(body.password, email=body.email, names=(body.name, device.account.name))
        if not await may_send_email(session, normalize_email(body.email), client_ip(request)):
            # The same answer, with nothing stored or sent: it can flood neither an inbox nor this database.
            return {"id": new_id(), "status": PENDING_VERIFICATION}
        token = new_secret()
        registration = Registration(
            account_id=device.account_id,
            serial=device.serial,
            name=body.name.strip(),
            email=normalize_email(body.email),
            password_hash=await hash_password(body.password),
            language=body.language,
            verification_token_hash=secret_hash(token),
            verification_expires_at=utcnow() + VERIFICATION_LIFETIME,
        )
        session.add(registration)
        await session.flush()
        await outbox.add(
            session,
            EmailVerificationRequested(
                user_id=registration.id,
                email=registration.email,
                name=registration.name,
                language=registration.language,
                link_path=f"/verify-email?token={token}",
            ),
            subject=registration.id,
        )
    return {"id": registration.id, "status": registration.status}


@router.post("/registrations/verify", response_model=VerificationOutcome)
async def verify_email(body: VerifyRequest, session: DbSession, outbox: OutboxDep) -> dict:
    async with session.begin():
        registration = await session.scalar(
            select(Registration)
            .where(Registration.verification_token_hash == secret_hash(body.token))
            .with_for_update()
        )
        if (
            registration is None
            or registration.status != PENDING_VERIFICATION
            or registration.verification_expires_at <= utcnow()
        ):
            raise field_error(
                "token", "This link is invalid, expired or already used.", field_code="link_unusable"
            )
        registration.status = AWAITING_APPROVAL
        registration.verification_token_hash = None  # single use
        await outbox.add(
            session,
            RegistrationAwaitingApproval(
                registration_id=registration.id,
                account_id=registration.account_id,
                account_name=registration.account.name,
                applicant_name=registration.name,
                applicant_email=registration.email,
                approver_user_ids=await approver_ids(session, registration.account_id),
                link_path=f"/registrations/{registration.id}",
            ),
            subject=registration.id,
        )
    return {"status": registration.status}


@router.get("/registrations", response_model=Items[RegistrationOut])
async def list_registrations(principal: CurrentUser, session: DbSession) -> dict:
    query = (
        select(Registration).where(Registration.status == AWAITING_APPROVAL).order_by(Registration.created_at)
    )
    if not principal.is_staff:
        admin_of = [a for a, role in principal.memberships.items() if role == CustomerRole.ADMINISTRATOR]
        if not admin_of:
            raise forbidden("Only administrators and the vendor's staff review registrations.")
        query = query.where(Registration.account_id.in_(admin_of))
    registrations = (await session.scalars(query)).all()
    return {"items": [registration_out(r).model_dump(mode="json") for r in registrations]}


@router.post("/registrations/{registration_id}/approve", response_model=RegistrationState)
async def approve(
    registration_id: str, body: Decision, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> dict:
    async with session.begin():
        registration = await decidable_registration(session, principal, registration_id)
        devices = await devices_of_account(session, registration.account_id, body.device_ids)
        user = await user_by_email(session, registration.email)
        if user is None:
            # The registration's password becomes the user's; the email was verified by the link.
            user = create_user(
                session,
                principal.user_id,
                email=registration.email,
                name=registration.name,
                password_hash=registration.password_hash,
                language=registration.language,
                active=True,
                email_verified=True,
            )
        elif user.password_hash is None:
            # A user known from the CRM who never set a password: the verified registration provides it.
            user.password_hash, user.email_verified = registration.password_hash, True
        set_membership(session, principal.user_id, user, registration.account_id, body.role, activate=True)
        user.active = True  # a user deactivated everywhere comes back through an approved registration
        try:
            await session.flush()
        except IntegrityError as exc:
            # Another decision created this user or membership at the same moment.
            raise Problem(
                409,
                "Conflict",
                "This registration was decided concurrently; reload and retry.",
                code="concurrent_change",
            ) from exc
        for device in devices:
            if assign_device(session, principal.user_id, device, user.id):
                await publish_device(session, outbox, device)
        registration.status, registration.user_id = APPROVED, user.id
        registration.decided_by, registration.decided_at = principal.user_id, utcnow()
        record(
            session,
            principal.user_id,
            "registration.approved",
            "registration",
            registration.id,
            account=registration.account_id,
            user_id=user.id,
            role=body.role,
            device_ids=[d.id for d in devices],
        )
        await publish_user(session, outbox, user)
        await tell_applicant(session, outbox, registration)
    return {"id": registration.id, "status": registration.status, "user_id": user.id}


@router.post("/registrations/{registration_id}/refuse", response_model=RegistrationState)
async def refuse(registration_id: str, principal: CurrentUser, session: DbSession, outbox: OutboxDep) -> dict:
    async with session.begin():
        registration = await decidable_registration(session, principal, registration_id)
        registration.status = REFUSED
        registration.decided_by, registration.decided_at = principal.user_id, utcnow()
        record(
            session,
            principal.user_id,
            "registration.refused",
            "registration",
            registration.id,
            account=registration.account_id,
        )
        await tell_applicant(session, outbox, registration)
    return {"id": registration.id, "status": registration.status}


async def tell_applicant(session, outbox, registration: Registration) -> None:
    """The registration page promised an email with the decision; this is it."""
    await outbox.add(
        session,
        RegistrationDecided(
            registration_id=registration.id,
            account_id=registration.account_id,
            account_name=registration.account.name,
            name=registration.name,
            email=registration.email,
            language=registration.language,
            outcome="approved" if registration.status == APPROVED else "refused",
            user_id=registration.user_id,
            link_path="/login",
        ),
        subject=registration.id,
    )
