"""The agent's view of one customer account (F-41): the account as the CRM sends it, its users and roles, its devices
with contract, location and latest reading (and, where the fleet reports them, online state and toner), every
case it ever had (paged and filtered, with how each met its response time), the meter history of each device,
the payments and the credit status with its history. Found by a search by account number or name, device serial
or customer email, and linked from the agent's case page and the queue.

Everything here is vendor-only: the services answer these calls to the staff alone (a customer gets 403 or their
own customer schemas); the StaffVisit only spares customers a useless page."""

import asyncio
import math
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.portal_pages import ACCOUNTS, CASES, PAGE_SIZE, optional, page_number, page_window
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import StaffVisit, Visit

router = APIRouter(prefix="/agent/accounts", include_in_schema=False)
METERS = "/api/meters/v1"
CASE_FILTERS = ("status", "type")
PAYMENTS_PAGE_SIZE = 10
READINGS_SHOWN = 6


@router.get("", response_class=HTMLResponse)
async def search(visit: StaffVisit, q: str = "") -> Response:
    """Accounts by number or name, a device's serial number or a customer's email."""
    q = q.strip()
    found: list[dict] = []
    errors: dict[str, str] = {}
    problem = None
    status = 200
    if q:
        answer = await visit.call("accounts", "GET", f"{ACCOUNTS}/accounts", params={"q": q})
        if answer.ok and isinstance(answer.body, dict):
            found = list(answer.body.get("items") or [])
        else:
            status, problem = answer.status, problem_text(visit, answer)
            errors = form_errors(visit, answer, ("q",), "q")
    return visit.render(
        "agent/accounts.html", status=status, q=q, accounts=found, errors=errors, problem=problem
    )


def case_filters(params: dict[str, str]) -> dict[str, str]:
    return {name: params[name].strip() for name in CASE_FILTERS if params.get(name, "").strip()}


async def meter_history(visit: Visit, device_id: str) -> dict | None:
    body, _ok = await optional(
        visit.get(
            "meters", f"{METERS}/devices/{quote(device_id, safe='')}/readings", {"limit": READINGS_SHOWN}
        )
    )
    return body if isinstance(body, dict) else None


@router.get("/{account_id}", response_class=HTMLResponse)
async def account_page(visit: StaffVisit, account_id: str) -> Response:
    params = dict(visit.request.query_params)
    filters = case_filters(params)
    page = page_number(params.get("page"))
    payments_page = page_number(params.get("payments_page"))
    path = quote(account_id, safe="")
    account = await visit.get("accounts", f"{ACCOUNTS}/accounts/{path}")  # 404 page when there is none
    (users, users_ok), (devices, devices_ok), (finance, finance_ok), cases_answer = await asyncio.gather(
        optional(visit.get("accounts", f"{ACCOUNTS}/accounts/{path}/users")),
        optional(visit.get("accounts", f"{ACCOUNTS}/devices", {"account_id": account_id})),
        optional(
            visit.get(
                "accounts",
                f"{ACCOUNTS}/accounts/{path}/finance",
                page_window(payments_page, PAYMENTS_PAGE_SIZE),
            )
        ),
        visit.call(
            "cases",
            "GET",
            f"{CASES}/cases",
            params={"account_id": account_id, **filters, **page_window(page)},
        ),
    )
    device_list = [d for d in (devices or {}).get("items") or [] if d.get("account_id") == account_id]
    histories = await asyncio.gather(*(meter_history(visit, d["id"]) for d in device_list))
    cases = cases_answer.body if cases_answer.ok and isinstance(cases_answer.body, dict) else {}
    total = int(cases.get("total") or 0)
    payments = (finance or {}).get("payments") or {}
    payments_total = int(payments.get("total") or 0)
    return visit.render(
        "agent/account.html",
        status=200 if cases_answer.ok else cases_answer.status,
        account=account,
        users=sorted((users or {}).get("items") or [], key=lambda u: (u.get("name") or "").lower()),
        users_ok=users_ok,
        devices=[dict(d, history=h) for d, h in zip(device_list, histories, strict=True)],
        devices_ok=devices_ok,
        finance=finance or {},
        finance_ok=finance_ok,
        payments=payments.get("items") or [],
        payments_page=payments_page,
        payments_pages=max(1, math.ceil(payments_total / PAYMENTS_PAGE_SIZE)),
        cases=cases.get("items") or [],
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        filters=filters,
        statuses=list(labels.STATUSES),
        types=list(labels.TYPES),
        errors={} if cases_answer.ok else form_errors(visit, cases_answer, CASE_FILTERS, "status"),
        problem=None if cases_answer.ok else problem_text(visit, cases_answer),
    )
