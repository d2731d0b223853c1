"""HTTP API of self-help under /api/cases/v1 (F-16, F-42): customers find and read the published guides of their
accounts' models and run them step by step; supervisors write, publish and measure them (`/managed-guides`)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from cases.case.routing import INCIDENT_CATEGORIES
from cases.directory.access import visible_device
from cases.selfhelp import manage, runs, service
from cases.selfhelp.content import LANGUAGES, parse_error_code, unknown_code
from cases.selfhelp.models import Guide
from cases.selfhelp.schemas import (
    AnswerIn,
    DraftIn,
    ErrorCodeOut,
    GuideList,
    GuideOut,
    ManagedGuide,
    ManagedGuideList,
    NewGuide,
    NewRun,
    RunOut,
)
from shared.app import DbSession, OutboxDep
from shared.auth import CurrentUser, Principal, SupervisorUser
from shared.errors import field_error, not_found
from shared.events.vocabulary import ErrorCodeFamily
from shared.permissions import guide_actions

router = APIRouter(prefix="/api/cases/v1", tags=["self-help"])
Id = Annotated[str, Path(max_length=36)]


def language_of(principal: Principal) -> str:
    return principal.language if principal.language in LANGUAGES else "en"


@router.get("/guides", response_model=GuideList)
async def find_guides(
    principal: CurrentUser,
    session: DbSession,
    device_id: Annotated[
        str | None, Query(max_length=36, description="only guides for this device's model")
    ] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    error_code: Annotated[
        str | None, Query(max_length=50, description="as the device shows it, e.g. J1104")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="words of the title, keywords or steps")
    ] = None,
    match: Annotated[
        Literal["all", "any"],
        Query(description="all: every word; any: any word of four letters or more, the best matches first"),
    ] = "all",
) -> GuideList:
    """The published guides the caller may read, in their language; a service-call code needs a technician
    (`service_call`): it has no self-help, the case is opened straight away."""
    search = service.Search(words=q, every_word=match == "all")
    if category:
        if category not in INCIDENT_CATEGORIES:
            raise field_error(
                "category", f"must be one of {', '.join(INCIDENT_CATEGORIES)}", field_code="not_a_choice"
            )
        search.category = category
    if device_id:
        search.model = (await visible_device(session, principal, device_id)).model
    code = None
    if error_code and error_code.strip():
        code = parse_error_code(error_code)
        if code is None:
            raise unknown_code("error_code")
        search.error_code = code.canonical
    items = await service.find_guides(session, principal, search, language_of(principal))
    return GuideList(
        items=items,
        error_code=ErrorCodeOut(code=code.canonical, family=code.family) if code else None,
        service_call=code is not None and code.family == ErrorCodeFamily.SERVICE_CALL,
    )


@router.get("/guides/{guide_id}", response_model=GuideOut)
async def read_guide(guide_id: Id, principal: CurrentUser, session: DbSession) -> GuideOut:
    found = await service.readable_guide(session, principal, guide_id)
    return service.guide_out(found, language_of(principal))


@router.post("/guide-runs", status_code=201, response_model=RunOut)
async def start_run(request: NewRun, principal: CurrentUser, session: DbSession) -> RunOut:
    """Start the guide's published version (the run keeps it to the end) on a device the caller may report
    problems on, or on none."""
    language = language_of(principal)
    async with session.begin():
        run = await runs.start_run(session, principal, request, language)
    return await runs.run_out(session, run, language)


@router.get("/guide-runs/{run_id}", response_model=RunOut)
async def read_run(run_id: Id, principal: CurrentUser, session: DbSession) -> RunOut:
    run = await runs.own_run(session, principal, run_id)
    return await runs.run_out(session, run, language_of(principal))


@router.post("/guide-runs/{run_id}/answers", response_model=RunOut)
async def answer(
    run_id: Id, request: AnswerIn, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> RunOut:
    """Answer the step the run is at: "solved" or "not solved" leads to the next step, ends the run as solved,
    or to a case (`needs_case`: open it with `guide_run_id`)."""
    async with session.begin():
        run = await runs.own_run(session, principal, run_id, for_update=True)
        await runs.answer_step(session, outbox, principal, run, request)
    return await runs.run_out(session, run, language_of(principal))


# Supervisors ---------------------------------------------------------------------------------------------


@router.get("/managed-guides", response_model=ManagedGuideList)
async def list_managed(principal: SupervisorUser, session: DbSession) -> ManagedGuideList:
    """Every guide, drafts too, with how its runs ended."""
    items = await manage.managed_summaries(session, principal, language_of(principal))
    return ManagedGuideList(items=items, allowed_actions=guide_actions(principal))


@router.post("/managed-guides", status_code=201, response_model=ManagedGuide)
async def create_guide(request: NewGuide, principal: SupervisorUser, session: DbSession) -> ManagedGuide:
    async with session.begin():
        guide = await manage.create_guide(session, principal, request)
    return await manage.managed_guide(session, principal, guide, language_of(principal))


@router.get("/managed-guides/{guide_id}", response_model=ManagedGuide)
async def read_managed(guide_id: Id, principal: SupervisorUser, session: DbSession) -> ManagedGuide:
    guide = await session.scalar(select(Guide).where(Guide.id == guide_id))
    if guide is None:
        raise not_found("guide")
    return await manage.managed_guide(session, principal, guide, language_of(principal))


@router.put("/managed-guides/{guide_id}/draft", response_model=ManagedGuide)
async def save_draft(
    guide_id: Id, request: DraftIn, principal: SupervisorUser, session: DbSession
) -> ManagedGuide:
    """Replace the draft (customers keep reading the published version until it is published)."""
    async with session.begin():
        guide = await manage.guide_for_update(session, guide_id)
        await manage.save_draft(session, principal, guide, request)
    return await manage.managed_guide(session, principal, guide, language_of(principal))


@router.post("/managed-guides/{guide_id}/publish", response_model=ManagedGuide)
async def publish(guide_id: Id, principal: SupervisorUser, session: DbSession) -> ManagedGuide:
    """The draft becomes the next version: new runs follow it, runs already started keep theirs."""
    async with session.begin():
        guide = await manage.guide_for_update(session, guide_id)
        await manage.publish(session, principal, guide)
    return await manage.managed_guide(session, principal, guide, language_of(principal))
