"""The vendor's side (F-40): the agent's console (a queue per department with its counts, filters and paging) and
the case with its side panel, assignment, replies, internal notes and status changes. The cases service enforces
the staff role again and says what the visitor may do (`allowed_actions`); the pages only show that. The 403 here
only spares customers a useless page."""

import asyncio
import math
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.portal_pages import (
    ACCOUNTS,
    CASE_NOTICES,
    CASES,
    NOTIFICATIONS,
    PAGE_SIZE,
    case_page,
    optional,
    page_number,
    page_window,
    post_message,
    post_status,
)
from gateway.web.refusals import form_errors, localized, problem_text
from gateway.web.visit import StaffVisit, Visit, local_path

router = APIRouter(prefix="/agent", include_in_schema=False)
QUEUE_FILTERS = ("department", "status", "type", "account_id", "device_id", "assignee_id", "unassigned", "q")
# The choices of the filter form beside the department tabs (a refusal names one of these fields).
FORM_FILTERS = QUEUE_FILTERS[1:]


def queue_filters(params: dict[str, str]) -> dict[str, str]:
    return {name: params[name].strip() for name in QUEUE_FILTERS if params.get(name, "").strip()}


async def nothing() -> None:
    return None


async def filter_choices(visit: Visit, account_id: str | None) -> dict[str, Any]:
    """What the filter form offers, as (value, text): the open statuses, the types, every account, the chosen
    account's devices, the staff by name. Each list is a convenience: without it the form still filters."""
    devices_of_account = (
        visit.get("accounts", f"{ACCOUNTS}/devices", params={"account_id": account_id})
        if account_id
        else nothing()
    )
    (accounts, _), (devices, _), (departments, _) = await asyncio.gather(
        optional(visit.get("accounts", f"{ACCOUNTS}/accounts")),
        optional(devices_of_account),
        optional(visit.get("cases", f"{CASES}/departments")),
    )
    return {
        "status_options": [(s.value, visit.label("status", s)) for s in labels.OPEN_STATUSES],
        "type_options": [(t, visit.label("type", t)) for t in labels.TYPES],
        "account_options": [(a["id"], f"{a['name']} ({a['number']})") for a in items_of(accounts)],
        "device_options": [(d["id"], f"{d['model']} – {d['serial']}") for d in items_of(devices)],
        "staff_options": [(p["user_id"], p["name"]) for p in (departments or {}).get("staff") or []],
    }


def items_of(body: Any) -> list[dict]:
    return list((body or {}).get("items") or [])


QUEUE_NOTICES = {key: CASE_NOTICES[key] for key in ("assigned", "unassigned")}


@router.get("", response_class=HTMLResponse)
async def console(visit: StaffVisit) -> Response:
    """The queue of the visitor's departments (a tab each, with its counts), the soonest due first."""
    filters = queue_filters(dict(visit.request.query_params))
    page = page_number(visit.request.query_params.get("page"))
    answer = await visit.call("cases", "GET", f"{CASES}/queue", params={**filters, **page_window(page)})
    body = answer.body if answer.ok and isinstance(answer.body, dict) else {}
    total = int(body.get("total") or 0)
    return visit.render(
        "agent/queue.html",
        status=200 if answer.ok else answer.status,
        cases=body.get("items") or [],
        departments=body.get("departments") or [],
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        filters=filters,
        errors={} if answer.ok else form_errors(visit, answer, FORM_FILTERS, "q"),
        problem=None if answer.ok else problem_text(visit, answer),
        notice=visit.notice(QUEUE_NOTICES),
        **await filter_choices(visit, filters.get("account_id")),
    )


AGENT_CASE = "agent/case.html"
CASE_EMAILS = 10  # the newest emails about a case its page lists


async def emails_about(visit: Visit, case: dict) -> dict[str, Any]:
    """The emails sent about the case, from the notifications service: a part of the page that says it is
    unavailable while that service is, the rest of the page unharmed."""
    number = str(case.get("number") or "")
    body, ok = await optional(
        visit.get(
            "notifications", f"{NOTIFICATIONS}/deliveries", params={"about": number, "limit": CASE_EMAILS}
        )
    )
    return {"emails": items_of(body), "emails_total": int((body or {}).get("total") or 0), "emails_ok": ok}


async def staff_case_page(visit: Visit, case_id: str, **extra: Any) -> Response:
    return await case_page(visit, case_id, AGENT_CASE, parts=emails_about, **extra)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def agent_case(visit: StaffVisit, case_id: str) -> Response:
    return await staff_case_page(visit, case_id)


def assignee_of(visit: Visit, form: dict[str, Any]) -> str | None:
    """`to` names the button pressed: `me` (assign to me) or `nobody` (unassign); else the colleague chosen."""
    to = form.get("to")
    if to == "me":
        return visit.user.id if visit.user else None
    return None if to == "nobody" else str(form.get("assignee_id") or "")


def with_notice(path: str, notice: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}notice={notice}"


@router.post("/cases/{case_id}/assign", response_class=HTMLResponse)
async def assign(visit: StaffVisit, case_id: str) -> Response:
    """Assign the case, from its page or the queue; `next` is the page to go back to (the queue's, filtered)."""
    form = await visit.form()
    assignee = assignee_of(visit, form)
    if assignee == "":  # the colleague's select was left empty: nothing to ask the service
        errors = {"assignee_id": localized(visit, "required", None, "invalid")}
        return await staff_case_page(visit, case_id, status=422, errors=errors)
    answer = await visit.call(
        "cases", "POST", f"{CASES}/cases/{quote(case_id, safe='')}/assign", json={"assignee_id": assignee}
    )
    if not answer.ok:
        return await staff_case_page(
            visit,
            case_id,
            status=answer.status,
            values={"assignee_id": assignee or ""},
            errors=form_errors(visit, answer, ("assignee_id",), "assignee_id"),
        )
    back = local_path(str(form.get("next") or ""), f"/agent/cases/{case_id}")
    return visit.redirect(with_notice(back, "assigned" if assignee else "unassigned"))


@router.post("/cases/{case_id}/messages", response_class=HTMLResponse)
async def agent_message(visit: StaffVisit, case_id: str) -> Response:
    internal = visit.request.query_params.get("internal") == "1"
    form_name = "note" if internal else "reply"
    answer, values = await post_message(visit, case_id, internal=internal, field=form_name)
    if not answer.ok:
        return await staff_case_page(
            visit,
            case_id,
            status=answer.status,
            values={form_name: values["body"]},
            errors=form_errors(visit, answer, (form_name,), form_name, rename={"body": form_name}),
            problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/agent/cases/{case_id}?notice={'noted' if internal else 'sent'}#timeline")


@router.post("/cases/{case_id}/status", response_class=HTMLResponse)
async def agent_status(visit: StaffVisit, case_id: str) -> Response:
    answer, _ = await post_status(visit, case_id)
    if not answer.ok:
        return await staff_case_page(
            visit,
            case_id,
            status=answer.status,
            status_problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/agent/cases/{case_id}?notice=status")


@router.post("/cases/{case_id}/release", response_class=HTMLResponse)
async def release_order(visit: StaffVisit, case_id: str) -> Response:
    """Release a consumables order that waits because its account's credit was on hold (F-41)."""
    await visit.form()  # the CSRF check
    answer = await visit.call("cases", "POST", f"{CASES}/cases/{quote(case_id, safe='')}/release")
    if not answer.ok:
        return await case_page(
            visit, case_id, AGENT_CASE, status=answer.status, release_problem=problem_text(visit, answer)
        )
    return visit.redirect(f"/agent/cases/{case_id}?notice=released")
