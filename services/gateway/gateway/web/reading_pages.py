"""Meter readings (F-20 to F-26): the reading form on the device page, every due reading on one page, and the
staff's corrections and review of rejected automatic readings. The meters service enforces every rule and role;
these pages explain its refusals next to the counter they concern and keep what was typed."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.portal_pages import device_view
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import FORM_REFUSALS, Answer, StaffVisit, UserVisit, Visit

router = APIRouter(include_in_schema=False)
METERS = "/api/meters/v1"
# On the due page one device's refusal (even "not yours any more") must not hide the other devices' outcomes.
DUE_REFUSALS = FORM_REFUSALS | {403, 404}
CONFIRM = "confirm"


@dataclass
class Outcome:
    """What the meters service said about one device's reading, ready for the form."""

    accepted: bool = False
    status: int = 200
    problem: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    needs_confirmation: bool = False
    confirmed: bool = False  # the visitor ticked "the values are correct"


def as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    return [value] if value else []


def typed_counters(form: dict[str, Any], counters: list[str], prefix: str = "") -> dict[str, str]:
    return {counter: str(form.get(f"{prefix}{counter}", "")).strip() for counter in counters}


def counter_payload(values: dict[str, str]) -> dict[str, int | str]:
    """Whole numbers as numbers; anything else is passed on as typed, so that the service names the field."""
    return {counter: int(text) if text.isdigit() else text for counter, text in values.items()}


def outcome_of(visit: Visit, answer: Answer, counters: list[str]) -> Outcome:
    if answer.ok:
        return Outcome(accepted=True, status=answer.status)
    body = answer.body if isinstance(answer.body, dict) else {}
    problem = problem_text(visit, answer)
    errors = form_errors(visit, answer, counters)
    if not errors and counters:
        # A rule about one counter (lower than before, implausible) names it; a rule about the whole reading
        # (one per day) is shown next to the first counter.
        counter = (body.get("params") or {}).get("counter")
        errors[counter if counter in counters else counters[0]] = problem
    return Outcome(
        status=answer.status,
        problem=problem,
        errors=errors,
        needs_confirmation=body.get("code") == "confirmation_required",
    )


async def submit_reading(
    visit: Visit,
    device_id: str,
    values: dict[str, str],
    confirm: bool,
    refusals: frozenset[int] = FORM_REFUSALS,
) -> Outcome:
    answer = await visit.call(
        "meters",
        "POST",
        f"{METERS}/devices/{device_id}/readings",
        json={"counters": counter_payload(values), "confirm": confirm},
        refusals=refusals,
    )
    outcome = outcome_of(visit, answer, list(values))
    outcome.confirmed = confirm
    return outcome


async def device_counters(visit: Visit, device_id: str) -> list[str]:
    readings = await visit.get("meters", f"{METERS}/devices/{device_id}/readings", params={"limit": 1})
    return list((readings or {}).get("counters") or [])


# -- the device page's reading form (F-20, F-21, F-22)
@router.post("/devices/{device_id}/readings", response_class=HTMLResponse)
async def post_reading(visit: UserVisit, device_id: str) -> Response:
    form = await visit.form()
    values = typed_counters(form, await device_counters(visit, device_id))
    confirm = form.get(CONFIRM) == "true"
    outcome = await submit_reading(visit, device_id, values, confirm)
    if outcome.accepted:
        return visit.redirect(f"/devices/{device_id}?notice=reading#device-readings")
    return await device_view(
        visit,
        device_id,
        status=outcome.status,
        reading_values=values,
        reading_errors=outcome.errors,
        reading_problem=outcome.problem,
        needs_confirmation=outcome.needs_confirmation or confirm,
        reading_confirmed=confirm,
    )


# -- every reading due, at once (F-25)
async def due_readings(visit: Visit) -> list[dict]:
    body = await visit.get("meters", f"{METERS}/due-readings")
    items = list((body or {}).get("items") or [])
    return sorted(items, key=lambda item: (str(item.get("due_date") or ""), str(item.get("serial") or "")))


def due_page(visit: Visit, due: list[dict], status: int = 200, **extra: Any) -> Response:
    outcomes: dict[str, Outcome] = extra.pop("outcomes", {})
    return visit.render(
        "readings_due.html",
        status=status,
        due=due,
        outcomes=outcomes,
        values=extra.pop("values", {}),
        refused=[o for o in outcomes.values() if not o.accepted],
        accepted=[o for o in outcomes.values() if o.accepted],
        **extra,
    )


@router.get("/readings/due", response_class=HTMLResponse)
async def readings_due(visit: UserVisit) -> Response:
    return due_page(visit, await due_readings(visit))


@router.post("/readings/due", response_class=HTMLResponse)
async def post_due_readings(visit: UserVisit) -> Response:
    """One submission per device that has a value typed; devices left empty are not submitted."""
    form = await visit.form()
    due = await due_readings(visit)
    values = {
        item["device_id"]: typed_counters(form, list(item.get("counters") or []), f"{item['device_id']}.")
        for item in due
    }
    typed = [item["device_id"] for item in due if any(values[item["device_id"]].values())]
    results = await asyncio.gather(
        *(
            submit_reading(
                visit,
                device_id,
                values[device_id],
                form.get(f"{device_id}.{CONFIRM}") == "true",
                refusals=DUE_REFUSALS,
            )
            for device_id in typed
        )
    )
    outcomes = dict(zip(typed, results, strict=True))
    for device_id, outcome in outcomes.items():
        if outcome.accepted:
            values.pop(device_id)  # the device is done: nothing to keep
    if not outcomes:
        return due_page(
            visit,
            due,
            status=422,
            values=values,
            problem=visit.gettext("Enter the counters of at least one device."),
        )
    refused = [outcome.status for outcome in outcomes.values() if not outcome.accepted]
    return due_page(visit, due, status=refused[0] if refused else 200, values=values, outcomes=outcomes)


# -- the staff's side: corrections (F-26) and rejected automatic readings (F-24)
@router.post("/devices/{device_id}/corrections", response_class=HTMLResponse)
async def post_correction(visit: StaffVisit, device_id: str) -> Response:
    form = await visit.form()
    values = {
        "kind": str(form.get("kind", "")),
        "counters": as_list(form.get("counters")),
        "reason": str(form.get("reason", "")).strip(),
    }
    answer = await visit.call("meters", "POST", f"{METERS}/devices/{device_id}/corrections", json=values)
    if answer.ok:
        return visit.redirect(f"/devices/{device_id}?notice=corrected#device-readings")
    return await device_view(
        visit,
        device_id,
        status=answer.status,
        correction_values=values,
        correction_errors=form_errors(visit, answer),
        correction_problem=problem_text(visit, answer),
    )


REVIEW_NOTICES = {
    "dismissed": labels.N_("The rejected reading has been dismissed."),
    "accepted_as_agent": labels.N_("The reading has been accepted as an agent reading."),
}


async def rejected_page(visit: Visit, status: int = 200, problem: str | None = None) -> Response:
    body = await visit.get("meters", f"{METERS}/rejected-readings", params={"reviewed": "false"})
    return visit.render(
        "agent/rejected_readings.html",
        status=status,
        items=(body or {}).get("items") or [],
        notice=visit.notice(REVIEW_NOTICES),
        resolutions=labels.REVIEW_RESOLUTIONS,
        problem=problem,
    )


@router.get("/agent/readings/rejected", response_class=HTMLResponse)
async def rejected_readings(visit: StaffVisit) -> Response:
    return await rejected_page(visit)


@router.post("/agent/readings/rejected/{rejection_id}/review", response_class=HTMLResponse)
async def review_rejected(visit: StaffVisit, rejection_id: str) -> Response:
    form = await visit.form()
    resolution = str(form.get("resolution", ""))
    # 404: another agent may have reviewed it meanwhile; say so on the list rather than on an error page.
    answer = await visit.call(
        "meters",
        "POST",
        f"{METERS}/rejected-readings/{rejection_id}/review",
        json={"resolution": resolution},
        refusals=FORM_REFUSALS | {404},
    )
    if answer.ok:
        return visit.redirect(f"/agent/readings/rejected?notice={resolution}")
    return await rejected_page(
        visit,
        status=answer.status,
        problem=problem_text(visit, answer),
    )
