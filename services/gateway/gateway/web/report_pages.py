"""The supervisors' service-level report in the portal (F-12, F-42): per department and week, the cases opened,
the share responded to in time, the business hours to the first response and the breaches, with the figures in
the visitor's language, and the same report as a CSV download. The cases service computes it and checks the
supervisor role; the page shows what it answers."""

from datetime import timedelta
from typing import Any

from babel import numbers
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import Answer, ReportsVisit, Visit, answer_of, parse_date
from shared import clock

router = APIRouter(prefix="/supervisor/reports", include_in_schema=False)
API = "/api/cases/v1/reports/service-level"
FIELDS = ("from", "to", "department")
# Without dates the report shows the last eight weeks, this one included.
DEFAULT_WEEKS = 8


def report_filters(visit: Visit) -> dict[str, str]:
    query = visit.request.query_params
    today = clock.now().astimezone(visit.formatter.tz).date()
    first = today - timedelta(days=today.weekday() + 7 * (DEFAULT_WEEKS - 1))
    return {
        "from": query.get("from") or first.isoformat(),
        "to": query.get("to") or today.isoformat(),
        "department": query.get("department", ""),
    }


def api_params(visit: Visit, filters: dict[str, str]) -> dict[str, str]:
    """The filters, with the visitor's time zone for the days and weeks (UTC when theirs is unknown)."""
    return {**{name: value for name, value in filters.items() if value}, "time_zone": visit.formatter.tz.key}


def hours_text(visit: Visit, value: float | None) -> str:
    if value is None:
        return "—"
    return visit.gettext("%(hours)s h") % {
        "hours": numbers.format_decimal(value, locale=visit.formatter.locale)
    }


def in_time_text(visit: Visit, row: dict[str, Any]) -> str:
    if not row["measured"]:
        return "—"
    return visit.gettext("%(share)s (%(in_time)s of %(measured)s)") % {
        "share": numbers.format_percent(row["in_time_share"], locale=visit.formatter.locale),
        "in_time": visit.formatter.number(row["in_time"]),
        "measured": visit.formatter.number(row["measured"]),
    }


def shown_row(visit: Visit, row: dict[str, Any]) -> dict[str, Any]:
    """A row's figures as the visitor reads them."""
    year, _, week = row["week"].partition("-W")
    return {
        "department": visit.label("department", row["department"]),
        "week": visit.gettext("Week %(week)s of %(year)s") % {"week": int(week), "year": year},
        "week_start": visit.formatter.date(parse_date(row["week_start"])),
        "opened": visit.formatter.number(row["opened"]),
        "in_time": in_time_text(visit, row),
        "breaches": visit.formatter.number(row["breaches"]),
        "responded": visit.formatter.number(row["responded"]),
        "median": hours_text(visit, row["median_response_hours"]),
        "p90": hours_text(visit, row["p90_response_hours"]),
    }


def report_page(visit: Visit, filters: dict[str, str], answer: Answer) -> Response:
    refused = not answer.ok
    return visit.render(
        "supervisor/service_level.html",
        status=answer.status,
        filters=filters,
        departments=[(d, visit.label("department", d)) for d in labels.DEPARTMENTS],
        rows=[] if refused else [shown_row(visit, row) for row in answer.body["rows"]],
        errors=form_errors(visit, answer, FIELDS, "from") if refused else {},
        problem=problem_text(visit, answer) if refused else None,
    )


@router.get("/service-level", response_class=HTMLResponse)
async def service_level(visit: ReportsVisit) -> Response:
    filters = report_filters(visit)
    return report_page(
        visit, filters, await visit.call("cases", "GET", API, params=api_params(visit, filters))
    )


@router.get("/service-level.csv")
async def service_level_csv(visit: ReportsVisit) -> Response:
    """The report as a file to save, fetched with the visitor's session; a refused period shows the page."""
    filters = report_filters(visit)
    answer = await visit.fetch("cases", "GET", f"{API}.csv", params=api_params(visit, filters))
    if answer.status_code != 200:
        return report_page(visit, filters, answer_of(answer))
    name = f"service-level-{filters['from']}-{filters['to']}.csv"  # dates the service accepted
    return visit.finish(
        Response(
            answer.content,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )
