"""The vendor's side (F-40): the case queue over every account, and the case with internal notes.
The cases service enforces the staff role again; the 403 here only spares customers a useless page."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web.portal_pages import case_list, case_page, post_message, post_status
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import StaffVisit

router = APIRouter(prefix="/agent", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
async def queue(visit: StaffVisit) -> Response:
    return await case_list(visit, "agent/queue.html")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def agent_case(visit: StaffVisit, case_id: str) -> Response:
    return await case_page(visit, case_id, "agent/case.html")


@router.post("/cases/{case_id}/messages", response_class=HTMLResponse)
async def agent_message(visit: StaffVisit, case_id: str) -> Response:
    internal = visit.request.query_params.get("internal") == "1"
    form_name = "note" if internal else "reply"
    answer, values = await post_message(visit, case_id, internal=internal, field=form_name)
    if not answer.ok:
        return await case_page(
            visit,
            case_id,
            "agent/case.html",
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
        return await case_page(
            visit,
            case_id,
            "agent/case.html",
            status=answer.status,
            status_problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/agent/cases/{case_id}?notice=status")
