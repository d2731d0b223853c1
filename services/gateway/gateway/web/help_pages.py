"""Guided self-help (F-16): the guides a visitor may read, found by device and problem, error code or words; a
guide run step by step ("solved" ends it, nothing is created; "not solved" to the end opens the case form with
the steps tried); the suggestions beside the case form. The cases service decides what the visitor may read
and run; the pages show its answers.

`/help/guides?device=<serial>&category=<category>` is a stable address for emails, e.g. the fleet's "device
offline" message links `/help/guides?device=<serial>&category=device_offline` to the reconnection guide."""

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gateway.web import labels
from gateway.web.portal_pages import optional, reportable_devices, visible_devices
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import FORM_REFUSALS, UserVisit, Visit

router = APIRouter(prefix="/help", include_in_schema=False)
CASES = "/api/cases/v1"
SEARCH_FIELDS = ("q", "category", "device_id", "error_code")
SUGGESTIONS = 5


def search_of(params: dict[str, str]) -> dict[str, str]:
    return {name: params[name].strip() for name in SEARCH_FIELDS if params.get(name, "").strip()}


def device_by_serial(devices: list[dict], serial: str) -> dict | None:
    wanted = serial.strip().upper()
    return next((d for d in devices if str(d.get("serial", "")).upper() == wanted), None)


def case_link(search: dict[str, str], service_call: bool) -> str:
    """The case form for what was searched: a service-call code is an error-code case (F-16)."""
    prefill = {name: value for name, value in search.items() if name != "q"}
    if service_call:
        prefill.setdefault("category", "error_code")
    return "/cases/new?" + urlencode(prefill)


@router.get("/guides", response_class=HTMLResponse)
async def guides_page(visit: UserVisit) -> Response:
    """The guides home (the Knowledge User's start page): find a guide for a device and a problem, by the code
    the device shows, or by words; a service-call code needs a technician and leads straight to a case."""
    params = dict(visit.request.query_params)
    search = search_of(params)
    (devices, _), (reportable, _) = await asyncio.gather(
        optional(visible_devices(visit)), optional(reportable_devices(visit))
    )
    if params.get("device") and "device_id" not in search:
        device = device_by_serial(devices or [], params["device"])
        if device is not None:
            search["device_id"] = str(device["id"])
    answer = await visit.call(
        "cases", "GET", f"{CASES}/guides", params=search, refusals=FORM_REFUSALS | {404}
    )
    found = answer.body if answer.ok and isinstance(answer.body, dict) else {}
    device = next((d for d in devices or [] if d.get("id") == search.get("device_id")), None)
    return visit.render(
        "guides.html",
        status=200 if answer.ok else answer.status,
        guides=found.get("items") or [],
        service_call=bool(found.get("service_call")),
        values=search,
        device=device,
        devices=reportable or [],
        reportable_ids={str(d.get("id")) for d in reportable or []},
        categories=labels.INCIDENT_CATEGORIES,
        searched=bool(search),
        case_link=case_link(search, bool(found.get("service_call"))),
        errors={} if answer.ok else form_errors(visit, answer, default_field="q"),
        problem=None if answer.ok else problem_text(visit, answer),
    )


@router.get("/guides/{guide_id}", response_class=HTMLResponse)
async def guide_page(visit: UserVisit, guide_id: str) -> Response:
    """A guide to read whole, with a button to follow it step by step (for a device the visitor chose)."""
    params = dict(visit.request.query_params)
    guide = await visit.get("cases", f"{CASES}/guides/{guide_id}")
    reportable, _ = await optional(reportable_devices(visit))
    return visit.render(
        "guide.html",
        guide=guide,
        devices=reportable or [],
        values={"device_id": params.get("device_id", ""), "error_code": params.get("error_code", "")},
    )


@router.post("/runs", response_class=HTMLResponse)
async def start_run(visit: UserVisit) -> Response:
    form = await visit.form()
    body: dict[str, Any] = {"guide_id": str(form.get("guide_id", ""))}
    for name in ("device_id", "error_code"):
        if str(form.get(name, "")).strip():
            body[name] = str(form[name]).strip()
    answer = await visit.call("cases", "POST", f"{CASES}/guide-runs", json=body)
    if not answer.ok:
        guide = await visit.get("cases", f"{CASES}/guides/{body['guide_id']}")
        reportable, _ = await optional(reportable_devices(visit))
        return visit.render(
            "guide.html",
            status=answer.status,
            guide=guide,
            devices=reportable or [],
            values=body,
            errors=form_errors(visit, answer, default_field="device_id"),
            problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/help/runs/{answer.body['id']}")


def run_view(visit: Visit, run: dict, status: int = 200, problem: str | None = None) -> Response:
    return visit.render("guide_run.html", status=status, run=run, problem=problem)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def run_page(visit: UserVisit, run_id: str) -> Response:
    """The step the run is at; or its end: solved (nothing was created), or on to the case form."""
    run = await visit.get("cases", f"{CASES}/guide-runs/{run_id}")
    return run_view(visit, run)


@router.post("/runs/{run_id}/answer", response_class=HTMLResponse)
async def answer_step(visit: UserVisit, run_id: str) -> Response:
    form = await visit.form()
    body = {"step": str(form.get("step", "")), "answer": str(form.get("answer", ""))}
    answer = await visit.call("cases", "POST", f"{CASES}/guide-runs/{run_id}/answers", json=body)
    if not answer.ok:
        run = await visit.get("cases", f"{CASES}/guide-runs/{run_id}")
        return run_view(visit, run, status=answer.status, problem=problem_text(visit, answer))
    if answer.body.get("status") == "needs_case":
        return visit.redirect(f"/cases/new?{urlencode({'guide_run': run_id})}")
    return visit.redirect(f"/help/runs/{run_id}")


@router.get("/suggest")
async def suggest(visit: UserVisit, q: str = "", device_id: str = "") -> Response:
    """The guides matching what the visitor types into a new case (the case form's script asks as they type):
    titles and addresses, at most a handful. Without the script the form works as it is."""
    words = " ".join(q.split()[-12:])[-200:]
    if len(words) < 3:
        return visit.finish(JSONResponse({"items": []}))
    params = {"q": words, "match": "any", **({"device_id": device_id[:36]} if device_id else {})}
    answer = await visit.call(
        "cases", "GET", f"{CASES}/guides", params=params, refusals=FORM_REFUSALS | {404}
    )
    items = (answer.body or {}).get("items") or [] if answer.ok else []
    if not items and answer.ok and device_id:  # words that fit no guide of this model may fit another's
        answer = await visit.call(
            "cases", "GET", f"{CASES}/guides", params={"q": words, "match": "any"}, refusals=FORM_REFUSALS
        )
        items = (answer.body or {}).get("items") or [] if answer.ok else []
    query = f"?{urlencode({'device_id': device_id})}" if device_id else ""
    suggestions = [
        {"title": g["title"], "url": f"/help/guides/{g['id']}{query}"} for g in items[:SUGGESTIONS]
    ]
    return visit.finish(JSONResponse({"items": suggestions}))
