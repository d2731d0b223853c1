"""HTTP API of the surveys under /api/cases/v1 (F-15): the public question and answer of a survey link, which need
no login (the signed link is the credential), and the supervisors' results as JSON or CSV."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cases.reports.views import CsvResponse, DepartmentFilter, ReportPeriod
from cases.surveys import service
from cases.surveys.schemas import Dimension, NewSurveyAnswer, SurveyQuestion, SurveyReceipt, SurveyResults
from shared.app import DbSession, OutboxDep
from shared.auth import SupervisorUser
from shared.events.vocabulary import Department

router = APIRouter(prefix="/api/cases/v1", tags=["surveys"])
# A link's token is about 140 characters; anything much longer is not one.
Token = Annotated[str, Path(max_length=300, description="the token of the survey link")]
By = Annotated[Dimension, Query(description="what the rows are: departments, device models, agents or weeks")]


@router.get("/surveys/{token}", response_model=SurveyQuestion)
async def survey_question(token: Token, session: DbSession) -> SurveyQuestion:
    """The question of a survey link: the case's number and whether it was answered. Changes nothing: mail
    scanners open links. 404 `survey_link_invalid` for a forged or altered link, 410 `survey_link_expired`."""
    return await service.question(session, token)


@router.post("/surveys/{token}/answer", status_code=201, response_model=SurveyReceipt)
async def answer_survey(
    token: Token, request: NewSurveyAnswer, session: DbSession, outbox: OutboxDep
) -> SurveyReceipt:
    """The follower's rating (1 to 5) and optional comment; 409 `survey_already_answered` for a second one."""
    async with session.begin():
        case, answer = await service.answer(session, outbox, token, request)
    return SurveyReceipt(
        number=case.number, rating=answer.rating, comment=answer.comment, answered_at=answer.answered_at
    )


async def survey_results(
    session: DbSession, period: ReportPeriod, by: Dimension, department: Department | None
) -> SurveyResults:
    rows, answers = await service.results(session, period, by, department)
    return SurveyResults(
        first_day=period.first_day,
        last_day=period.last_day,
        time_zone=period.zone.key,
        by=by,
        department=department,
        answers=len(answers),
        mean_rating=service.mean_of(answers),
        rows=rows,
    )


# The caller's role is checked before the query, as for the service-level report.
@router.get("/reports/surveys", response_model=SurveyResults)
async def survey_report(
    _supervisor: SupervisorUser,
    session: DbSession,
    period: ReportPeriod,
    by: By = "department",
    department: DepartmentFilter = None,
) -> SurveyResults:
    """The answers given in the period, by department, device model, agent or ISO week of answering: how many,
    their mean, the distribution of the ratings and the comments."""
    return await survey_results(session, period, by, department)


@router.get(
    "/reports/surveys.csv",
    response_class=CsvResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}},
)
async def survey_report_csv(
    _supervisor: SupervisorUser,
    session: DbSession,
    period: ReportPeriod,
    by: By = "department",
    department: DepartmentFilter = None,
) -> CsvResponse:
    """The same rows as the JSON answer, one line each under a header of the field names."""
    results = await survey_results(session, period, by, department)
    name = f"surveys-by-{by.replace('_', '-')}-{period.first_day}-{period.last_day}.csv"
    return CsvResponse(
        service.as_csv(results.rows), headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
