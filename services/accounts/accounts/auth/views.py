"""Login, refresh, logout and password reset (F-03)."""

from datetime import timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy import delete, select

from accounts.audit.service import record
from accounts.auth.models import PasswordResetToken, UserSession
from accounts.auth.schemas import (
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    ResetConfirm,
    ResetRequest,
    ResetRequested,
    TokenResponse,
)
from accounts.auth.service import (
    open_session,
    revoke_all_sessions,
    revoke_session,
    rotate_refresh_token,
    token_response,
)
from accounts.auth.throttle import (
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_CLIENT,
    LOGIN_PER_DEVICE,
    DeviceTokens,
    Limit,
    count_attempt,
    forget,
    give_back,
    may_send_email,
    prune_counters,
)
from accounts.registrations.models import AWAITING_APPROVAL, PENDING_VERIFICATION, Registration
from accounts.tokens import new_secret, secret_hash
from accounts.users.models import User
from accounts.users.passwords import check_password_rules, hash_password, names_of, verify_password
from shared.app import DbSession, OutboxDep
from shared.auth import CurrentUser, unauthorized
from shared.clock import wall_now
from shared.db import utcnow
from shared.errors import Problem, field_error
from shared.events.accounts import PasswordResetRequested

router = APIRouter(prefix="/api/accounts/v1", tags=["auth"])
RESET_LIFETIME = timedelta(hours=1)
BAD_CREDENTIALS = "The email or password is not correct."


def client_ip(request: Request) -> str:
    # uvicorn's proxy_headers puts the gateway's X-Forwarded-For here when the gateway is a trusted proxy.
    return (request.client.host if request.client else "unknown")[:64]


def login_limits(email: str, ip: str, device: str | None) -> list[tuple[Limit, str]]:
    """A known device is counted on its own; an unknown client per client address and per account."""
    if device is not None:
        return [(LOGIN_PER_DEVICE, device)]
    return [(LOGIN_PER_CLIENT, ip), (LOGIN_PER_ACCOUNT, email)]


async def count_login_attempt(session, limits: list[tuple[Limit, str]]) -> None:
    """Counted in its own transaction before the password is checked, so concurrent guesses cannot race."""
    async with session.begin():
        for limit, value in limits:
            if retry_after := await count_attempt(session, limit, value):
                raise Problem(
                    429,
                    "Too many requests",
                    "Too many failed logins. Try again later.",
                    code="too_many_logins",
                    retry_after=retry_after,
                )


async def forgive_after_login(session, limits: list[tuple[Limit, str]]) -> None:
    """The account's or device's failures are forgotten; the client address only gets this attempt back."""
    for limit, value in limits:
        await (give_back if limit is LOGIN_PER_CLIENT else forget)(session, limit, value)


@router.post("/auth/login", response_model=LoginResponse)
async def login(body: LoginRequest, request: Request, session: DbSession) -> dict:
    settings, devices = request.app.state.settings, DeviceTokens(request.app.state.signing_key)
    email = body.email.strip().lower()
    limits = login_limits(email, client_ip(request), devices.device_of(body.device_token, email))
    await count_login_attempt(session, limits)
    async with session.begin():
        user = await session.scalar(select(User).where(User.email == email))
        password_ok = await verify_password(user.password_hash if user else None, body.password)
        logged_in: User | None = user if user is not None and password_ok and user.can_log_in else None
        if logged_in is not None:
            await forgive_after_login(session, limits)
            user_session, refresh_token = open_session(session, logged_in, settings)
        else:
            await prune_counters(session)
    if logged_in is None:
        if user is None or user.password_hash is None:
            await refuse_waiting_registration(session, email, body.password)
        raise unauthorized(BAD_CREDENTIALS)
    answer = token_response(settings, request.app.state.signing_key, logged_in, user_session, refresh_token)
    return {**answer, "device_token": devices.issue(email)}


async def refuse_waiting_registration(session, email: str, password: str) -> None:
    """Someone who registered and gives the registration's password is told that it still waits, instead of
    "wrong email or password" (F-01). Only with the right password: the answer reveals nothing to others."""
    waiting = (
        await session.scalars(
            select(Registration)
            .where(
                Registration.email == email,
                Registration.status.in_((PENDING_VERIFICATION, AWAITING_APPROVAL)),
            )
            .order_by(Registration.created_at.desc())
        )
    ).first()
    if waiting is None or not await verify_password(waiting.password_hash, password):
        return
    if waiting.status == PENDING_VERIFICATION:
        raise Problem(
            403,
            "Forbidden",
            "Your email address is not confirmed yet: open the link we emailed you to confirm it.",
            code="registration_unverified",
        )
    raise Problem(
        403,
        "Forbidden",
        "Your registration is waiting for approval by the account's administrator; we email you when it "
        "is decided.",
        code="registration_waiting",
    )


@router.post("/auth/refresh", response_model=TokenResponse)
async def refresh(body: RefreshRequest, request: Request, session: DbSession, outbox: OutboxDep) -> dict:
    settings = request.app.state.settings
    presented = secret_hash(body.refresh_token)
    refresh_token = None
    async with session.begin():
        user_session = await session.scalar(
            select(UserSession).where(UserSession.refresh_token_hash == presented).with_for_update()
        )
        user = await session.get(User, user_session.user_id) if user_session else None
        if user_session is None:
            await end_session_of_replayed_token(session, outbox, presented, settings)
        elif (
            user is not None
            and user_session.revoked_at is None
            and user_session.expires_at > wall_now()
            and user.can_log_in
        ):
            refresh_token = rotate_refresh_token(user_session, settings)
    # Refused after the commit, so that ending a replayed token's session is kept.
    if refresh_token is None or user is None or user_session is None:
        raise unauthorized("This session has ended. Log in again.")
    return token_response(settings, request.app.state.signing_key, user, user_session, refresh_token)


async def end_session_of_replayed_token(session, outbox, presented_hash: str, settings) -> None:
    """A refresh token already rotated out is used again: someone holds a copy, so end that session."""
    replayed = await session.scalar(
        select(UserSession).where(UserSession.previous_refresh_token_hash == presented_hash)
    )
    if replayed is not None and replayed.revoked_at is None:
        await revoke_session(
            session, outbox, session_id=replayed.id, user_id=replayed.user_id, settings=settings
        )


@router.post("/auth/logout", status_code=204)
async def logout(principal: CurrentUser, request: Request, session: DbSession, outbox: OutboxDep) -> Response:
    async with session.begin():
        await revoke_session(
            session,
            outbox,
            session_id=principal.session_id,
            user_id=principal.user_id,
            settings=request.app.state.settings,
        )
    return Response(status_code=204)


@router.post("/auth/password-reset", status_code=202, response_model=ResetRequested)
async def request_password_reset(
    body: ResetRequest, request: Request, session: DbSession, outbox: OutboxDep
) -> dict:
    """Always 202, whether or not the email is known or throttled: the answer reveals nothing about who has
    an account."""
    email = body.email.strip().lower()
    async with session.begin():
        if not await may_send_email(session, email, client_ip(request)):
            return {"status": "accepted"}
        user = await session.scalar(select(User).where(User.email == email))
        if user is not None and user.active:
            # Only the newest link works: a copy of an older email in someone else's hands is worthless.
            await session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
            token = new_secret()
            session.add(
                PasswordResetToken(
                    user_id=user.id, token_hash=secret_hash(token), expires_at=utcnow() + RESET_LIFETIME
                )
            )
            await outbox.add(
                session,
                PasswordResetRequested(
                    user_id=user.id,
                    email=user.email,
                    name=user.name,
                    language=user.language,
                    link_path=f"/reset-password?token={token}",
                ),
                subject=user.id,
            )
    return {"status": "accepted"}


@router.post("/auth/password-reset/confirm", status_code=204)
async def confirm_password_reset(
    body: ResetConfirm, request: Request, session: DbSession, outbox: OutboxDep
) -> Response:
    async with session.begin():
        reset = await session.scalar(
            select(PasswordResetToken)
            .where(PasswordResetToken.token_hash == secret_hash(body.token))
            .with_for_update()
        )
        user = await session.get(User, reset.user_id) if reset else None
        if reset is None or user is None or reset.used_at is not None or reset.expires_at <= utcnow():
            raise field_error(
                "token",
                "This link is invalid, expired or already used. Ask for a new one.",
                field_code="link_unusable",
            )
        check_password_rules(body.password, email=user.email, names=names_of(user))
        user.password_hash = await hash_password(body.password)
        user.email_verified = True  # the emailed link proves the address
        reset.used_at = utcnow()
        await revoke_all_sessions(session, outbox, user.id, request.app.state.settings)
        record(session, user.id, "user.password_reset", "user", user.id)
    return Response(status_code=204)
