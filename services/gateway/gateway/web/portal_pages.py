"""The customer's pages: devices, cases and profile (the dashboard is dashboard_pages.py). Each page calls the
services' APIs with the visitor's bearer token; the services decide what the visitor may see (hiding a link is
never the control)."""

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.upstream import UpstreamUnavailable
from gateway.web import attachments, labels
from gateway.web.refusals import form_errors, problem_text
from gateway.web.session import LANG_COOKIE, TZ_COOKIE
from gateway.web.time_zones import zone_groups
from gateway.web.visit import FORM_REFUSALS, PageError, UserVisit, Visit, refresh_tokens

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
ACCOUNTS, CASES, METERS = "/api/accounts/v1", "/api/cases/v1", "/api/meters/v1"
NOTIFICATIONS = "/api/notifications/v1"
PAGE_SIZE = 20
CASE_FILTERS = ("status", "type", "device_id", "q", "created_from", "created_to")
FORM_REFUSALS_AND_GONE = FORM_REFUSALS | {404}


async def optional(call) -> tuple[Any, bool]:
    """A secondary part of a page: when its service is down the page still renders, saying so."""
    try:
        return await call, True
    except (UpstreamUnavailable, PageError) as exc:
        log.warning("page section unavailable: %s", exc)
        return None, False


async def visible_devices(visit: Visit) -> list[dict]:
    body = await visit.get("accounts", f"{ACCOUNTS}/devices")
    return list((body or {}).get("items") or [])


def allowing(devices: list[dict], action: str) -> list[dict]:
    """The devices whose answer allows this action (the accounts service decides from the visitor's role)."""
    return [device for device in devices if action in (device.get("allowed_actions") or [])]


async def caller_actions(visit: Visit) -> list[str]:
    """What the visitor may start at all, as the accounts service says (F-71's quick links)."""
    me = await visit.get("accounts", f"{ACCOUNTS}/me")
    return list((me or {}).get("allowed_actions") or [])


@router.get("/devices", response_class=HTMLResponse)
async def devices_page(visit: UserVisit) -> Response:
    return visit.render("devices.html", devices=await visible_devices(visit))


DEVICE_NOTICES = {
    "reading": labels.N_("Thank you. Your meter reading has been received."),
    "corrected": labels.N_("The correction has been recorded."),
}
LOCATION_NOTICE = labels.N_("The location has been updated.")


async def device_view(visit: Visit, device_id: str, status: int = 200, **forms: Any) -> Response:
    """The device page; `forms` carries a refused reading or correction form back with its values and errors."""
    device = await visit.get("accounts", f"{ACCOUNTS}/devices/{device_id}")
    page = page_number(visit.request.query_params.get("page"))
    (cases, cases_ok), (readings, readings_ok) = await asyncio.gather(
        optional(visit.get("cases", f"{CASES}/cases", params={"device_id": device_id, "limit": PAGE_SIZE})),
        optional(
            visit.get(
                "meters",
                f"{METERS}/devices/{device_id}/readings",
                params=page_window(page),
            )
        ),
    )
    readings = readings or {}
    actions = list(device.get("allowed_actions") or [])  # decided by the accounts service from the role
    total = int(readings.get("total") or 0)
    counters = list(readings.get("counters") or device.get("counters") or [])
    defaults = {
        "reading_values": {},
        "reading_errors": {},
        "reading_problem": None,
        "needs_confirmation": False,
        "reading_confirmed": False,
        "correction_values": {},
        "correction_errors": {},
        "correction_problem": None,
        "location_values": device.get("location") or {},
        "location_errors": {},
        "location_problem": None,
    }
    notice_key = visit.request.query_params.get("notice", "")
    return visit.render(
        "device.html",
        status=status,
        device=device,
        cases=(cases or {}).get("items") or [],
        cases_ok=cases_ok,
        readings=readings,
        readings_ok=readings_ok,
        counters=counters,
        readings_page=page,
        readings_pages=max(1, math.ceil(total / PAGE_SIZE)),
        may_submit=readings_ok and bool(counters) and "submit_reading" in actions,
        may_correct=bool(counters) and "record_correction" in actions,
        notice=visit.notice(DEVICE_NOTICES),
        actions=actions,
        location_notice=LOCATION_NOTICE if notice_key == "location" else None,
        correction_kinds=labels.CORRECTION_KINDS,
        **{**defaults, **forms},
    )


@router.get("/devices/{device_id}", response_class=HTMLResponse)
async def device_page(visit: UserVisit, device_id: str) -> Response:
    return await device_view(visit, device_id)


def case_filters(params: dict[str, str]) -> dict[str, str]:
    return {name: params[name].strip() for name in CASE_FILTERS if params.get(name, "").strip()}


def case_query(filters: dict[str, str]) -> dict[str, str | list[str]]:
    """The cases service's query for the list's filters: a group (all open statuses, the requests' types) is
    asked for as each of its values."""
    query: dict[str, str | list[str]] = dict(filters)
    for name, groups in (("status", labels.STATUS_GROUPS), ("type", labels.TYPE_GROUPS)):
        if filters.get(name) in groups:
            query[name] = list(groups[filters[name]])
    return query


def page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def page_window(page: int, size: int = PAGE_SIZE) -> dict[str, int]:
    """The services' page query (`limit`, `offset`) for page number `page` (from 1) of the portal's lists."""
    return {"limit": size, "offset": (page - 1) * size}


async def case_list(visit: Visit, template: str, **extra: Any) -> Response:
    """The case list with filters and paging, shared by the customer's list and the agent's queue."""
    filters = case_filters(dict(visit.request.query_params))
    page = page_number(visit.request.query_params.get("page"))
    # The open cases first, the soonest due first (F-11, F-12); then the others, the newest first.
    params = {**case_query(filters), "sort": "due", **page_window(page)}
    answer = await visit.call("cases", "GET", f"{CASES}/cases", params=params)
    body = answer.body if answer.ok and isinstance(answer.body, dict) else {}
    total = int(body.get("total") or 0)
    devices, _ = await optional(visible_devices(visit))
    return visit.render(
        template,
        status=200 if answer.ok else answer.status,
        cases=body.get("items") or [],
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        filters=filters,
        devices=devices or [],
        errors={} if answer.ok else form_errors(visit, answer),
        problem=None if answer.ok else problem_text(visit, answer),
        statuses=labels.STATUSES,
        types=labels.TYPES,
        status_groups=labels.STATUS_GROUPS,
        type_groups=labels.TYPE_GROUPS,
        group_names=labels.GROUP_NAMES,
        **extra,
    )


@router.get("/cases", response_class=HTMLResponse)
async def cases_page(visit: UserVisit) -> Response:
    return await case_list(visit, "cases.html")


def new_case_page(
    visit: Visit, devices: list[dict], values: dict, status: int = 200, **extra: Any
) -> Response:
    return visit.render(
        "case_new.html",
        status=status,
        devices=devices,
        values=values,
        categories=labels.INCIDENT_CATEGORIES,
        errors=extra.pop("errors", {}),
        run=extra.pop("run", None),
        **extra,
    )


async def reportable_devices(visit: Visit) -> list[dict]:
    return allowing(await visible_devices(visit), "report_problem")


async def guide_run_of(visit: Visit, run_id: str) -> dict | None:
    """The self-help run a case continues (F-16): its device, category, code and steps tried fill the form."""
    if not run_id:
        return None
    answer = await visit.call("cases", "GET", f"{CASES}/guide-runs/{run_id}", refusals=FORM_REFUSALS_AND_GONE)
    return answer.body if answer.ok and isinstance(answer.body, dict) else None


@router.get("/cases/new", response_class=HTMLResponse)
async def new_case_form(
    visit: UserVisit, device_id: str = "", category: str = "", error_code: str = "", guide_run: str = ""
) -> Response:
    values = {"device_id": device_id, "category": category, "error_code": error_code}
    devices, run = await asyncio.gather(reportable_devices(visit), guide_run_of(visit, guide_run))
    if run is not None:
        values.update(
            device_id=run.get("device_id") or device_id,
            category=run.get("category") or category,
            error_code=run.get("error_code") or error_code,
            guide_run_id=run["id"],
            subject=run.get("title") or "",
        )
    return new_case_page(visit, devices, values, run=run)


def incident_of(values: dict[str, str]) -> dict[str, Any]:
    """The new incident as the cases service takes it; the guide run only when one led here (F-16)."""
    incident: dict[str, Any] = {**values, "type": "incident", "error_code": values["error_code"] or None}
    if not values["guide_run_id"]:
        del incident["guide_run_id"]
    return incident


@router.post("/cases/new", response_class=HTMLResponse)
async def create_case(visit: UserVisit) -> Response:
    form = await visit.form()
    values = {
        name: str(form.get(name, "")).strip()
        for name in ("device_id", "category", "error_code", "subject", "description", "guide_run_id")
    }
    answer = await visit.call(
        "cases",
        "POST",
        f"{CASES}/cases",
        json=incident_of(values),
    )
    if not answer.ok:
        devices, run = await asyncio.gather(
            reportable_devices(visit), guide_run_of(visit, values["guide_run_id"])
        )
        return new_case_page(
            visit,
            devices,
            values,
            status=answer.status,
            run=run,
            errors=form_errors(visit, answer),
            problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/cases/{answer.body['id']}?notice=created")


CASE_NOTICES = {
    "created": labels.N_("Your case has been created."),
    "sent": labels.N_("Your message has been sent."),
    "noted": labels.N_("The internal note has been saved."),
    "status": labels.N_("The status has been changed."),
    "assigned": labels.N_("The case has been assigned."),
    "unassigned": labels.N_("The case no longer has an assignee."),
    "released": labels.N_("The order has been released and can now be shipped."),
    "following": labels.N_("You follow this case: we will email you about it."),
    "unfollowed": labels.N_("You no longer follow this case."),
    "follower_added": labels.N_("Your colleague now follows this case."),
}


# What happened to a case besides the conversation: quieter lines, a run of them collapsible as one (F-11).
QUIET_KINDS = frozenset({"status_changed", "shipment", "visit"})


def conversation_of(timeline: list[dict]) -> list[dict]:
    """The timeline as the page shows it: each message, note and the case's opening on its own, and each run of
    status changes and system events between them as one group."""
    blocks: list[dict] = []
    for entry in timeline:
        if entry.get("kind") not in QUIET_KINDS:
            blocks.append({"kind": "message", "entry": entry})
        elif blocks and blocks[-1]["kind"] == "events":
            blocks[-1]["entries"].append(entry)
        else:
            blocks.append({"kind": "events", "entries": [entry]})
    return blocks


async def case_page(
    visit: Visit,
    case_id: str,
    template: str,
    status: int = 200,
    parts: Callable[[Visit, dict], Awaitable[dict[str, Any]]] | None = None,
    **extra: Any,
) -> Response:
    """`parts` adds what a page shows beside the case from other services (given the case)."""
    case = await visit.get("cases", f"{CASES}/cases/{case_id}")
    if parts is not None:
        extra.update(await parts(visit, case))
    timeline = sorted(case.get("timeline") or [], key=lambda entry: str(entry.get("at") or ""))
    notice_key = visit.request.query_params.get("notice", "")
    return visit.render(
        template,
        status=status,
        case=case,
        timeline=timeline,
        conversation_of=conversation_of,
        notice=CASE_NOTICES.get(notice_key),
        request_notice=notice_key,
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        **extra,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_detail(visit: UserVisit, case_id: str) -> Response:
    return await case_page(visit, case_id, "case.html")


async def post_message(visit: Visit, case_id: str, internal: bool, field: str = "body") -> tuple[Any, dict]:
    form = await visit.form()
    values = {"body": str(form.get(field, "")).strip()}
    files = await visit.files("attachments")
    try:
        answer = await attachments.send_message(visit, case_id, values["body"], internal, files)
    finally:
        await visit.request.close()  # the form's spooled files go at once, not when collected
    return answer, values


async def post_status(visit: Visit, case_id: str) -> tuple[Any, dict]:
    form = await visit.form()
    values = {"status": str(form.get("status", ""))}
    answer = await visit.call("cases", "POST", f"{CASES}/cases/{case_id}/status", json=values)
    return answer, values


@router.post("/cases/{case_id}/messages", response_class=HTMLResponse)
async def reply(visit: UserVisit, case_id: str) -> Response:
    answer, values = await post_message(visit, case_id, internal=False)
    if not answer.ok:
        return await case_page(
            visit,
            case_id,
            "case.html",
            status=answer.status,
            values=values,
            errors=form_errors(visit, answer),
            problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/cases/{case_id}?notice=sent#timeline")


@router.get("/cases/{case_id}/attachments/{attachment_id}")
async def attachment(visit: UserVisit, case_id: str, attachment_id: str) -> Response:
    """A message's file, for the customer and the staff alike: cases decides who may have it."""
    return await attachments.download(visit, case_id, attachment_id)


@router.post("/cases/{case_id}/followers", response_class=HTMLResponse)
async def follow(visit: UserVisit, case_id: str) -> Response:
    """Follow the case, stop following it (`action=unfollow`), or add a colleague (`user_id`)."""
    form = await visit.form()
    action = str(form.get("action", "follow"))
    user_id = str(form.get("user_id", "")).strip()
    if action == "unfollow":
        me = visit.user.id if visit.user else ""
        answer = await visit.call(
            "cases", "DELETE", f"{CASES}/cases/{case_id}/followers/{quote(me, safe='')}"
        )
        notice = "unfollowed"
    else:
        body = {"user_id": user_id} if action == "add" else {}
        answer = await visit.call("cases", "POST", f"{CASES}/cases/{case_id}/followers", json=body)
        notice = "follower_added" if action == "add" else "following"
    if not answer.ok:
        return await case_page(
            visit,
            case_id,
            "case.html",
            status=answer.status,
            follow_values={"user_id": user_id},
            follow_errors=form_errors(visit, answer, default_field="user_id"),
        )
    return visit.redirect(f"/cases/{case_id}?notice={notice}#followers")


@router.post("/cases/{case_id}/status", response_class=HTMLResponse)
async def change_status(visit: UserVisit, case_id: str) -> Response:
    answer, _ = await post_status(visit, case_id)
    if not answer.ok:
        return await case_page(
            visit,
            case_id,
            "case.html",
            status=answer.status,
            status_problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/cases/{case_id}?notice=status")


# -- profile (F-04)
PROFILE_NOTICES = {
    "password": labels.N_("Your password has been changed. Any other session using your account has ended."),
}


def profile_page(visit: Visit, me: dict, values: dict, status: int = 200, **extra: Any) -> Response:
    own_zones = [str(m.get("time_zone")) for m in me.get("memberships") or [] if m.get("time_zone")]
    return visit.render(
        "profile.html",
        status=status,
        me=me,
        values=values,
        zone_groups=zone_groups(visit.gettext, visit.formatter, own_zones, values.get("time_zone")),
        kinds=labels.NOTIFICATION_KINDS,
        saved=visit.request.query_params.get("saved") == "1",
        notice=visit.notice(PROFILE_NOTICES),
        errors=extra.pop("errors", {}),
        password_errors=extra.pop("password_errors", {}),
        **extra,
    )


def profile_values(me: dict) -> dict:
    return {
        "name": me.get("name") or "",
        "phone": me.get("phone") or "",
        "language": me.get("language") or "en",
        "time_zone": me.get("time_zone") or "UTC",
        "notification_preferences": dict(me.get("notification_preferences") or {}),
    }


@router.get("/profile", response_class=HTMLResponse)
async def profile(visit: UserVisit) -> Response:
    me = await visit.get("accounts", f"{ACCOUNTS}/me")
    return profile_page(visit, me, profile_values(me))


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(visit: UserVisit) -> Response:
    form = await visit.form()
    chosen = form.get("notifications", [])
    chosen = set(chosen if isinstance(chosen, list) else [chosen])
    values: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(),
        "phone": str(form.get("phone", "")).strip(),
        "language": str(form.get("language", "")),
        "time_zone": str(form.get("time_zone", "")),
        "notification_preferences": {kind: kind in chosen for kind in labels.NOTIFICATION_KINDS},
    }
    answer = await visit.call("accounts", "PATCH", f"{ACCOUNTS}/me", json=values)
    if not answer.ok:
        me = await visit.get("accounts", f"{ACCOUNTS}/me")
        return profile_page(
            visit,
            me,
            values,
            status=answer.status,
            errors=form_errors(visit, answer),
            problem=problem_text(visit, answer),
        )
    visit.extra_cookies[TZ_COOKIE] = values["time_zone"] or "UTC"
    visit.extra_cookies[LANG_COOKIE] = values["language"]
    # A fresh token carries the new language, so the next page is already in it.
    visit.new_tokens = await refresh_tokens(visit) or visit.new_tokens
    return visit.redirect("/profile?saved=1")


@router.post("/profile/password", response_class=HTMLResponse)
async def change_password(visit: UserVisit) -> Response:
    """The current password and the new one twice; a refusal keeps nothing typed (passwords are not echoed)."""
    form = await visit.form()
    new_password = str(form.get("new_password", ""))
    if new_password != str(form.get("new_password_again", "")):
        answer = None
        errors = {"new_password_again": visit.gettext("The two new passwords are not the same.")}
        status = 422
    else:
        answer = await visit.call(
            "accounts",
            "POST",
            f"{ACCOUNTS}/me/password",
            json={"current_password": str(form.get("current_password", "")), "new_password": new_password},
        )
        if answer.ok:
            return visit.redirect("/profile?notice=password")
        errors = form_errors(visit, answer, ("current_password", "new_password"), "current_password")
        status = answer.status
    me = await visit.get("accounts", f"{ACCOUNTS}/me")
    return profile_page(
        visit,
        me,
        profile_values(me),
        status=status,
        password_errors=errors,
        password_problem=problem_text(visit, answer) if answer is not None else None,
    )
