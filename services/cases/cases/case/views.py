"""HTTP API of cases under /api/cases/v1 (the gateway relies on these paths and field names)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from cases.case import assignment, attachments, followers, intake, presenters, release, service
from cases.case.schemas import (
    AssignRequest,
    CaseOut,
    CasePage,
    CustomerCaseDetail,
    MessageOut,
    NewFollower,
    NewMessage,
    StaffCaseDetail,
    StaffCasePage,
    StaffCaseState,
    StaffMessageOut,
    StatusRequest,
    parse_new_case,
)
from cases.settings import Settings
from shared.app import DbSession, OutboxDep, ReadSession
from shared.auth import CurrentUser, StaffUser
from shared.errors import field_error, forbidden
from shared.events.cases import CaseStatus, CaseType, MessageFile
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
    session: ReadSession,
    paging: Paging,
    status: Annotated[
        list[CaseStatus] | None, Query(description="repeat it for any of several (`status=new&status=...`)")
    ] = None,
    type: Annotated[list[CaseType] | None, Query(description="repeat it for any of several")] = None,
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
        statuses=tuple(status or ()),
        types=tuple(type or ()),
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


MESSAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": NewMessage.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["body"],
                    "properties": {
                        "body": {"type": "string", "maxLength": 5000},
                        "internal": {"type": "boolean", "default": False},
                        "attachments": {
                            "type": "array",
                            "maxItems": attachments.MAX_FILES,
                            "items": {"type": "string", "format": "binary"},
                            "description": "Images, PDFs or plain text, judged by their content; 10 MB each.",
                        },
                    },
                }
            },
        },
    }
}


async def message_request(http: Request) -> tuple[NewMessage, list[attachments.Upload]]:
    """A message as JSON, or as a form with its files (multipart/form-data); the files checked before anything
    is written."""
    if not http.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raw = await http.body()
        try:
            return NewMessage.model_validate_json(raw or b"null"), []
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
    form = await http.form(max_files=attachments.MAX_FILES * 4, max_fields=20)
    internal = str(form.get("internal") or "false").lower()
    try:
        request = NewMessage.model_validate(
            {"body": str(form.get("body") or ""), "internal": internal in ("true", "1", "on")}
        )
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
    return request, await attachments.check_uploads(attachments.uploads_of(form.getlist("attachments")))


@router.post(
    "/cases/{case_id}/messages",
    status_code=201,
    response_model=MessageOut | StaffMessageOut,
    openapi_extra=MESSAGE_BODY,
)
async def post_message(
    case_id: str, http: Request, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> Response:
    """A message to the other side, or an internal note (`internal`, staff only), with up to five files."""
    try:
        request, uploads = await message_request(http)
        async with session.begin():
            case = await service.visible_case(session, principal, case_id, for_update=True)
            named = [MessageFile(filename=u.filename, size=u.size) for u in uploads]
            message = await service.add_message(
                session, outbox, principal, case, request.body, request.internal, named
            )
            stored = await attachments.store(session, case, message, uploads)
    finally:
        await http.close()  # the spooled files of a form go at once, not when collected
    files = [
        {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size} for a in stored
    ]
    return json_response(presenters.message_out(principal, message, files), status_code=201)


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file, as a download."}},
)
async def get_attachment(
    case_id: str, attachment_id: str, principal: CurrentUser, session: DbSession
) -> Response:
    """A file of a message, to whoever may see the case; an internal note's to the staff only (404 otherwise)."""
    case = await service.visible_case(session, principal, case_id)
    attachment = await attachments.visible_attachment(session, principal, case, attachment_id)
    return attachments.download(attachment)


@router.post("/cases/{case_id}/followers", response_model=CustomerCaseDetail)
async def add_follower(
    case_id: str, request: NewFollower, principal: CurrentUser, session: DbSession
) -> Response:
    """Follow the case (no `user_id`), or, as the account's administrator, add a colleague who may see it."""
    async with session.begin():
        case = await service.visible_case(session, principal, case_id, for_update=True)
        await followers.add_follower(session, principal, case, request.user_id)
    return json_response(await presenters.case_detail(session, principal, case))


@router.delete("/cases/{case_id}/followers/{user_id}", response_model=CustomerCaseDetail)
async def remove_follower(case_id: str, user_id: str, principal: CurrentUser, session: DbSession) -> Response:
    """Stop following the case, or, as the account's administrator, take a colleague off it."""
    async with session.begin():
        case = await service.visible_case(session, principal, case_id, for_update=True)
        await followers.remove_follower(session, principal, case, user_id)
    return json_response(await presenters.case_detail(session, principal, case))


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
        # Read in the transaction that wrote the change: no second transaction (BEGIN, ROLLBACK) for the answer.
        answer = await presenters.changed_case(session, principal, case)
    return json_response(answer)


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
