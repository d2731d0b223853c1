"""HTTP API of cases under /api/cases/v1 (the gateway relies on these paths and field names)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel

from cases.case import assignment, intake, presenters, release, service
from cases.case.schemas import (
    AssignRequest,
    CaseOut,
    CasePage,
    CustomerCaseDetail,
    MessageOut,
    NewMessage,
    StaffCaseDetail,
    StaffCasePage,
    StaffCaseState,
    StaffMessageOut,
    StatusRequest,
    parse_new_case,
)
from cases.settings import Settings
from shared.app import DbSession, OutboxDep
from shared.auth import CurrentUser, StaffUser
from shared.errors import field_error, forbidden
from shared.events.cases import CaseStatus, CaseType
from shared.paging import Paging

router = APIRouter(prefix="/api/cases/v1", tags=["cases"])
NEW_CASE_DOC = (
    "A new case; `type` selects its shape: incident {device_id, category, subject, description, "
    "error_code?}, consumables {device_id, items: [{sku, quantity}], shipping, subject?, description?}, "
    "relocation {device_id, relocation: {...}}, removal {device_id, removal: {date, reason}}, "
    "account_inquiry {account_id, topic, subject, description}."
)


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise exactly the schema chosen for the caller (customer or staff), nothing merged or inferred.
    Returning a Response skips FastAPI's response_model conversion; those unions only document the API."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def day_or_time(field: str, value: str | None) -> date | datetime | None:
    """A plain date means the whole day (UTC); a date-time without a zone is taken as UTC."""
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        raise field_error(
            field, "must be a date (YYYY-MM-DD) or an ISO 8601 date-time", field_code="not_a_date"
        ) from None


@router.post("/cases", status_code=201, response_model=CaseOut)
async def open_case(
    http: Request,
    body: Annotated[Any, Body(description=NEW_CASE_DOC)],
    principal: CurrentUser,
    session: DbSession,
    outbox: OutboxDep,
) -> CaseOut:
    # Validated here rather than by FastAPI so that errors name the client's fields, not pydantic's variants.
    request = parse_new_case(body)
    intake.check_before_access(request)
    settings: Settings = http.app.state.settings
    async with session.begin():
        case = await intake.open_case(
            session, outbox, principal, request, settings.account_inquiry_response_hours
        )
    return CaseOut.model_validate(case)


@router.get("/cases", response_model=CasePage | StaffCasePage)
async def list_cases(
    principal: CurrentUser,
    session: DbSession,
    paging: Paging,
    status: CaseStatus | None = None,
    type: CaseType | None = None,
    device_id: Annotated[str | None, Query(max_length=36)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    created_from: Annotated[str | None, Query(max_length=40, description="a date or a date-time")] = None,
    created_to: Annotated[
        str | None, Query(max_length=40, description="a date (inclusive) or a date-time")
    ] = None,
    department: Annotated[str | None, Query(max_length=40)] = None,
    account_id: Annotated[str | None, Query(max_length=36)] = None,
    assignee_id: Annotated[str | None, Query(max_length=36)] = None,
    sort: Annotated[
        Literal["newest", "due"],
        Query(description="newest: the newest first; due: the open cases first, the soonest due first"),
    ] = "newest",
) -> Response:
    # Every filter only narrows what the caller may already see; the assignee is a vendor-only field.
    if assignee_id and not principal.is_staff:
        raise forbidden("Only the vendor's staff may filter by assignee.")
    filters = service.CaseFilters(
        status=status,
        type=type,
        device_id=device_id,
        q=q,
        created_from=day_or_time("created_from", created_from),
        created_to=day_or_time("created_to", created_to),
        department=department,
        account_id=account_id,
        assignee_id=assignee_id,
    )
    found = await service.list_cases(session, principal, filters, paging, by_due=sort == "due")
    return json_response(presenters.case_page(principal, found, paging))


@router.get("/cases/{case_id}", response_model=CustomerCaseDetail | StaffCaseDetail)
async def get_case(case_id: str, principal: CurrentUser, session: DbSession) -> Response:
    case = await service.visible_case(session, principal, case_id)
    return json_response(await presenters.case_detail(session, principal, case))


@router.post("/cases/{case_id}/messages", status_code=201, response_model=MessageOut | StaffMessageOut)
async def post_message(
    case_id: str, request: NewMessage, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> Response:
    async with session.begin():
        case = await service.visible_case(session, principal, case_id, for_update=True)
        message = await service.add_message(session, outbox, principal, case, request.body, request.internal)
    return json_response(presenters.message_out(principal, message), status_code=201)


@router.post("/cases/{case_id}/status", response_model=CustomerCaseDetail | StaffCaseState)
async def change_status(
    case_id: str, request: StatusRequest, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> Response:
    async with session.begin():
        case = await service.visible_case(session, principal, case_id, for_update=True)
        await service.change_status(
            session,
            outbox,
            case,
            request.status,
            actor_id=principal.user_id,
            side=service.side_of(principal),
            reason=request.reason,
        )
    return json_response(await presenters.changed_case(session, principal, case))


@router.post("/cases/{case_id}/assign", response_model=StaffCaseDetail)
async def assign_case(
    case_id: str, request: AssignRequest, principal: StaffUser, session: DbSession, outbox: OutboxDep
) -> Response:
    """Give the case to a member of the staff (`assignee_id`), or take it off its assignee (null)."""
    async with session.begin():
        case = await service.visible_case(session, principal, case_id, for_update=True)
        await assignment.assign(session, outbox, principal, case, request.assignee_id)
    return json_response(await presenters.staff_detail(session, principal, case))


@router.post("/cases/{case_id}/release", response_model=StaffCaseDetail)
async def release_order(
    case_id: str, principal: StaffUser, session: DbSession, outbox: OutboxDep
) -> Response:
    """Release a consumables order that waits because its account's credit was on hold (F-41): it may ship."""
    async with session.begin():
        case = await service.visible_case(session, principal, case_id, for_update=True)
        await release.release_order(session, outbox, principal, case)
    return json_response(await presenters.staff_detail(session, principal, case))
