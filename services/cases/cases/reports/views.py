"""HTTP API of the supervisors' reports under /api/cases/v1 (F-12, F-42): the service level per department and
week, as JSON or as CSV for a spreadsheet."""

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query, Response

from cases.calendars.views import within_years
from cases.reports.schemas import ServiceLevelReport
from cases.reports.service import Period, as_csv, service_level
from shared import clock
from shared.app import DbSession
from shared.auth import SupervisorUser
from shared.errors import field_error
from shared.events.vocabulary import Department

router = APIRouter(prefix="/api/cases/v1/reports", tags=["reports"])
# A year and a day: long enough to compare a week with the same week a year before, short enough to read.
MAX_WEEKS = 53


class CsvResponse(Response):
    media_type = "text/csv; charset=utf-8"


async def report_period(
    first_day: Annotated[date, Query(alias="from", description="the first day of creation, YYYY-MM-DD")],
    last_day: Annotated[date, Query(alias="to", description="the last day of creation, included")],
    time_zone: Annotated[
        str, Query(max_length=64, description="IANA zone of the days and weeks; UTC by default")
    ] = "UTC",
) -> Period:
    """The period asked for, or a 422 naming the field at fault."""
    within_years(first_day, "from")
    within_years(last_day, "to")
    if last_day < first_day:
        raise field_error("to", "must not be before `from`", field_code="ends_before_start")
    if (last_day - first_day).days >= MAX_WEEKS * 7:
        raise field_error(
            "to",
            f"the period may last {MAX_WEEKS} weeks at most",
            field_code="period_too_long",
            weeks=MAX_WEEKS,
        )
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise field_error("time_zone", "unknown time zone", field_code="unknown_time_zone") from None
    return Period(first_day, last_day, zone)


ReportPeriod = Annotated[Period, Depends(report_period)]
DepartmentFilter = Annotated[Department | None, Query(description="only this department's cases")]


async def report(session: DbSession, period: Period, department: Department | None) -> ServiceLevelReport:
    now = clock.now()
    rows = await service_level(session, period, department, now)
    return ServiceLevelReport(
        first_day=period.first_day,
        last_day=period.last_day,
        time_zone=period.zone.key,
        department=department,
        generated_at=now,
        rows=rows,
    )


# The caller's role is checked before the query (a dependency named first is solved first): anyone but a
# supervisor is refused whatever they ask.
@router.get("/service-level", response_model=ServiceLevelReport)
async def service_level_report(
    _supervisor: SupervisorUser, session: DbSession, period: ReportPeriod, department: DepartmentFilter = None
) -> ServiceLevelReport:
    return await report(session, period, department)


@router.get(
    "/service-level.csv",
    response_class=CsvResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}},
)
async def service_level_csv(
    _supervisor: SupervisorUser, session: DbSession, period: ReportPeriod, department: DepartmentFilter = None
) -> CsvResponse:
    """The same rows as the JSON answer, one line each under a header of the field names."""
    answer = await report(session, period, department)
    name = f"service-level-{period.first_day}-{period.last_day}.csv"
    return CsvResponse(as_csv(answer.rows), headers={"Content-Disposition": f'attachment; filename="{name}"'})
