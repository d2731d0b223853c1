"""Account administration (F-01 approval, F-02 invitations, F-34): an account's users, their roles, devices and
deactivation, pending registrations, and the audit trail of these changes. The accounts service checks the
administrator role and every rule (last administrator, the account's devices) on each call; the checks here only
spare a visitor a page they cannot use."""

import asyncio
import math
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.portal_pages import optional, page_number, page_window
from gateway.web.reading_pages import as_list
from gateway.web.refusals import Refusal, form_errors, problem_text
from gateway.web.visit import PageError, UserVisit, Visit
from shared.events.vocabulary import CustomerRole, PortalAction

router = APIRouter(include_in_schema=False)
ACCOUNTS = "/api/accounts/v1"
AUDIT_PAGE_SIZE = 20
CONFIRM = "confirm"

USER_NOTICES = {
    "invited": labels.N_("The invitation has been sent."),
    "role": labels.N_("The role has been changed."),
    "devices": labels.N_("The devices have been assigned."),
    "deactivated": labels.N_("The user has been deactivated and no longer has access."),
    "approved": labels.N_("The registration has been approved."),
    "refused": labels.N_("The registration has been refused."),
}


def administered(visit: Visit) -> list[str]:
    if visit.user is None:
        return []
    return visit.user.accounts_allowing(PortalAction.MANAGE_USERS)


def chosen_account(visit: Visit, requested: str | None) -> str:
    """The administered account the page is about: the one asked for, else the first. Staff may name any."""
    mine = administered(visit)
    if requested and (
        requested in mine or (visit.user is not None and visit.user.may(PortalAction.MANAGE_ANY_ACCOUNT))
    ):
        return requested
    if requested or not mine:
        raise PageError(403)
    return mine[0]


async def account_choices(visit: Visit) -> list[dict]:
    """Names and numbers of the administered accounts, for the account switcher."""
    me = await visit.get("accounts", f"{ACCOUNTS}/me")
    mine = set(administered(visit))
    return [m for m in (me or {}).get("memberships") or [] if m.get("account_id") in mine]


async def account_devices(visit: Visit, account_id: str) -> list[dict]:
    body = await visit.get("accounts", f"{ACCOUNTS}/devices", params={"account_id": account_id})
    return [d for d in (body or {}).get("items") or [] if d.get("account_id") == account_id]


async def pending_registrations(visit: Visit) -> list[dict]:
    body = await visit.get("accounts", f"{ACCOUNTS}/registrations")
    return list((body or {}).get("items") or [])


# -- the account's information (F-34)
@router.get("/account", response_class=HTMLResponse)
async def account_information(visit: UserVisit, account_id: str | None = None) -> Response:
    """The account as the CRM sends it: name, number, addresses and contacts. The accounts service decides which
    addresses and contacts concern the visitor's role (administrators: all of them)."""
    me = await visit.get("accounts", f"{ACCOUNTS}/me")
    memberships = list((me or {}).get("memberships") or [])
    ids = [m.get("account_id") for m in memberships]
    if account_id and account_id not in ids:
        raise PageError(404)
    chosen = account_id or (ids[0] if ids else None)
    account = await visit.get("accounts", f"{ACCOUNTS}/accounts/{chosen}") if chosen else None
    return visit.render(
        "account.html",
        account=account,
        memberships=memberships,
        role=next((m.get("role") for m in memberships if m.get("account_id") == chosen), None),
    )


# -- the users page
async def users_page(
    visit: Visit, account_id: str, status: int = 200, refusal: Refusal | None = None
) -> Response:
    users, devices, accounts, (registrations, registrations_ok) = await asyncio.gather(
        visit.get("accounts", f"{ACCOUNTS}/accounts/{account_id}/users"),
        account_devices(visit, account_id),
        account_choices(visit),
        optional(pending_registrations(visit)),
    )
    people = sorted(
        (users or {}).get("items") or [],
        key=lambda u: (bool(u.get("invited")), not u.get("active"), str(u.get("name") or "").lower()),
    )
    return visit.render(
        "account_users.html",
        status=status,
        account_id=account_id,
        accounts=accounts,
        account=next((a for a in accounts if a.get("account_id") == account_id), None),
        people=people,
        devices=devices,
        roles=labels.CUSTOMER_ROLES,
        default_role=CustomerRole.DEVICE_MANAGER,
        registrations=[r for r in registrations or [] if r.get("account_id") == account_id],
        registrations_ok=registrations_ok,
        refusal=refusal,
        notice=visit.notice(USER_NOTICES),
    )


def users_url(account_id: str, notice: str) -> str:
    return f"/account/users?account_id={account_id}&notice={notice}"


@router.get("/account/users", response_class=HTMLResponse)
async def account_users(visit: UserVisit, account_id: str | None = None) -> Response:
    return await users_page(visit, chosen_account(visit, account_id))


@router.post("/account/users/invite", response_class=HTMLResponse)
async def invite(visit: UserVisit) -> Response:
    form = await visit.form()
    account_id = chosen_account(visit, str(form.get("account_id", "")) or None)
    values = {
        "email": str(form.get("email", "")).strip(),
        "name": str(form.get("name", "")).strip(),
        "role": str(form.get("role", "")),
        "device_ids": as_list(form.get("device_ids")),
    }
    answer = await visit.call(
        "accounts",
        "POST",
        f"{ACCOUNTS}/accounts/{account_id}/invitations",
        json={**values, "name": values["name"] or None},
    )
    if answer.ok:
        return visit.redirect(users_url(account_id, "invited"))
    refusal = Refusal(
        "invite",
        values=values,
        problem=problem_text(visit, answer),
        errors=form_errors(visit, answer, ("email", "name", "role", "device_ids"), "email"),
    )
    return await users_page(visit, account_id, status=answer.status, refusal=refusal)


@router.post("/account/users/{user_id}/role", response_class=HTMLResponse)
async def change_role(visit: UserVisit, user_id: str) -> Response:
    form = await visit.form()
    account_id = chosen_account(visit, str(form.get("account_id", "")) or None)
    values = {"role": str(form.get("role", ""))}
    answer = await visit.call(
        "accounts", "PATCH", f"{ACCOUNTS}/accounts/{account_id}/users/{user_id}", json=values
    )
    if answer.ok:
        return visit.redirect(users_url(account_id, "role"))
    refusal = Refusal(
        "role", user_id, values, form_errors(visit, answer, ("role",), "role"), problem_text(visit, answer)
    )
    return await users_page(visit, account_id, status=answer.status, refusal=refusal)


@router.post("/account/users/{user_id}/devices", response_class=HTMLResponse)
async def assign_devices(visit: UserVisit, user_id: str) -> Response:
    form = await visit.form()
    account_id = chosen_account(visit, str(form.get("account_id", "")) or None)
    values = {"device_ids": as_list(form.get("device_ids"))}
    answer = await visit.call(
        "accounts", "PUT", f"{ACCOUNTS}/accounts/{account_id}/users/{user_id}/devices", json=values
    )
    if answer.ok:
        return visit.redirect(users_url(account_id, "devices"))
    refusal = Refusal(
        "devices",
        user_id,
        values,
        form_errors(visit, answer, ("device_ids",), "device_ids"),
        problem_text(visit, answer),
    )
    return await users_page(visit, account_id, status=answer.status, refusal=refusal)


@router.post("/account/users/{user_id}/deactivate", response_class=HTMLResponse)
async def deactivate(visit: UserVisit, user_id: str) -> Response:
    """Only with the box ticked: the user loses access at once, so a stray click must not do it."""
    form = await visit.form()
    account_id = chosen_account(visit, str(form.get("account_id", "")) or None)
    if form.get(CONFIRM) != "yes":
        refusal = Refusal(
            "deactivate",
            user_id,
            errors={CONFIRM: visit.gettext("Tick the box to confirm that the user loses access at once.")},
        )
        return await users_page(visit, account_id, status=422, refusal=refusal)
    answer = await visit.call(
        "accounts", "POST", f"{ACCOUNTS}/accounts/{account_id}/users/{user_id}/deactivate"
    )
    if answer.ok:
        return visit.redirect(users_url(account_id, "deactivated"))
    refusal = Refusal(
        "deactivate",
        user_id,
        errors={CONFIRM: problem_text(visit, answer)},
        problem=problem_text(visit, answer),
    )
    return await users_page(visit, account_id, status=answer.status, refusal=refusal)


# -- a registration awaiting approval (F-01); the administrators' email links here
async def registration_of(visit: Visit, registration_id: str) -> dict:
    if not (
        administered(visit) or (visit.user is not None and visit.user.may(PortalAction.MANAGE_ANY_ACCOUNT))
    ):
        raise PageError(403)
    registration = next(
        (r for r in await pending_registrations(visit) if r.get("id") == registration_id), None
    )
    if registration is None:
        raise PageError(404)  # unknown, another account's, or already decided
    return registration


async def registration_page(visit: Visit, registration: dict, status: int = 200, **extra: Any) -> Response:
    devices = await account_devices(visit, str(registration.get("account_id")))
    return visit.render(
        "registration.html",
        status=status,
        registration=registration,
        devices=devices,
        roles=labels.CUSTOMER_ROLES,
        values=extra.pop("values", {"role": CustomerRole.DEVICE_MANAGER, "device_ids": []}),
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/registrations/{registration_id}", response_class=HTMLResponse)
async def registration(visit: UserVisit, registration_id: str) -> Response:
    return await registration_page(visit, await registration_of(visit, registration_id))


@router.post("/registrations/{registration_id}/approve", response_class=HTMLResponse)
async def approve(visit: UserVisit, registration_id: str) -> Response:
    form = await visit.form()
    registration = await registration_of(visit, registration_id)
    values = {"role": str(form.get("role", "")), "device_ids": as_list(form.get("device_ids"))}
    answer = await visit.call(
        "accounts", "POST", f"{ACCOUNTS}/registrations/{registration_id}/approve", json=values
    )
    if answer.ok:
        return visit.redirect(users_url(registration["account_id"], "approved"))
    return await registration_page(
        visit,
        registration,
        status=answer.status,
        values=values,
        errors=form_errors(visit, answer, ("role", "device_ids"), "role"),
        problem=problem_text(visit, answer),
    )


@router.post("/registrations/{registration_id}/refuse", response_class=HTMLResponse)
async def refuse(visit: UserVisit, registration_id: str) -> Response:
    await visit.form()
    registration = await registration_of(visit, registration_id)
    answer = await visit.call("accounts", "POST", f"{ACCOUNTS}/registrations/{registration_id}/refuse")
    if answer.ok:
        return visit.redirect(users_url(registration["account_id"], "refused"))
    return await registration_page(
        visit,
        registration,
        status=answer.status,
        problem=problem_text(visit, answer),
        values={"role": CustomerRole.DEVICE_MANAGER, "device_ids": []},
    )


# -- the audit trail (F-34, F-83)
ROLE_DETAILS = frozenset({"role", "previous_role"})


def audit_value(visit: Visit, key: str, value: Any) -> str:
    """A detail's value as a person reads it: roles and field names by their labels, nothing as a dash."""
    if value is None or value in ("", []):
        return "—"
    if key in ROLE_DETAILS:
        return visit.label("role", value)
    if key == "fields":
        return ", ".join(visit.label("audit_field", name) for name in as_list(value))
    if isinstance(value, dict):
        return "; ".join(
            f"{visit.label('audit_field', k)}: {audit_value(visit, k, v)}" for k, v in value.items()
        )
    if isinstance(value, bool):
        return visit.gettext("Yes") if value else visit.gettext("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def audit_details(visit: Visit, details: dict | None) -> list[tuple[str, str]]:
    """An entry's details as (label, value) pairs; the account is the page's own, so it is left out."""
    return [
        (visit.label("audit_field", key), audit_value(visit, key, value))
        for key, value in (details or {}).items()
        if key != "account"
    ]


@router.get("/account/audit", response_class=HTMLResponse)
async def account_audit(visit: UserVisit, account_id: str | None = None) -> Response:
    account_id = chosen_account(visit, account_id)
    page = page_number(visit.request.query_params.get("page"))
    body, accounts = await asyncio.gather(
        visit.get(
            "accounts",
            f"{ACCOUNTS}/accounts/{account_id}/audit",
            params=page_window(page, AUDIT_PAGE_SIZE),
        ),
        account_choices(visit),
    )
    total = int((body or {}).get("total") or 0)
    return visit.render(
        "account_audit.html",
        account_id=account_id,
        accounts=accounts,
        account=next((a for a in accounts if a.get("account_id") == account_id), None),
        entries=[
            {**entry, "shown_details": audit_details(visit, entry.get("details"))}
            for entry in (body or {}).get("items") or []
        ],
        total=total,
        page=page,
        pages=max(1, math.ceil(total / AUDIT_PAGE_SIZE)),
    )
