"""The cases service's business-hours calendars and service-level report, as far as the pages need them: due
times and the checks of opening hours come from the cases service's own engine, the roles from
shared.permissions, so the fake decides as the service does."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from cases.reports.schemas import ServiceLevelRow
from cases.reports.service import as_csv
from cases.servicelevel import BusinessCalendar, InvalidHours, OpeningRange
from cases.servicelevel.hours import checked_day, checked_week, week_of_texts
from shared.auth import Principal
from shared.errors import field_issue
from shared.permissions import calendar_actions

WORKDAYS = [[["08:00", "17:00"]]] * 5 + [[], []]
# Holidays the fake knows, by language of the visitor's token (the service names them in it).
HOLIDAYS = {
    "en": {"01-01": "New Year's Day", "01-06": "Epiphany"},
    "es": {"01-01": "Año Nuevo", "01-06": "Epifanía del Señor"},
    "sv": {"01-01": "Nyårsdagen", "01-06": "Trettondedag jul"},
}
DAY_KINDS = {"closed-days": "closed", "extra-open-days": "extra_open"}
DEPARTMENTS = ("technical_support", "supplies", "logistics", "accounts")


def problem(status: int, code: str, errors: list[dict] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": "Refused", "status": status, "code": code}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def field_problem(name: str, code: str, **params: Any) -> JSONResponse:
    return problem(422, "invalid", [field_issue(name, code, code, **params)])


def calendar(calendar_id: str, name: str, time_zone: str, country: str, subdivision: str | None) -> dict:
    return {
        "id": calendar_id,
        "name": name,
        "time_zone": time_zone,
        "country": country,
        "subdivision": subdivision,
        "holiday_categories": ["public"],
        "weekly_hours": [list(day) for day in WORKDAYS],
        "days": {},  # ISO day -> (kind, note)
        "version": 1,
        "updated_at": "2026-01-01T00:00:00+00:00",
    }


def report_row(department: str, week: str, week_start: str, **figures: Any) -> dict:
    return {"department": department, "week": week, "week_start": week_start, **figures}


@dataclass
class FakeCalendars:
    calendars: dict[str, dict] = field(
        default_factory=lambda: {
            "ES-MD": calendar("ES-MD", "Spain (ES-MD)", "Europe/Madrid", "ES", "ES-MD"),
            "SE": calendar("SE", "Sweden", "Europe/Stockholm", "SE", None),
        }
    )
    # account id -> the account as the calendar's page lists it, with the calendar it uses.
    accounts: dict[str, dict] = field(
        default_factory=lambda: {
            "acc-1": {
                "id": "acc-1",
                "number": "100200",
                "name": "Acme SL",
                "country": "ES",
                "subdivision": "ES-MD",
                "assigned": False,
                "calendar_id": "ES-MD",
            }
        }
    )
    report_rows: list[dict] = field(
        default_factory=lambda: [
            report_row(
                "technical_support",
                "2026-W10",
                "2026-03-02",
                opened=1234,
                measured=5,
                in_time=3,
                in_time_share=0.6,
                breaches=2,
                responded=4,
                median_response_hours=2.5,
                p90_response_hours=6.0,
            ),
            report_row(
                "accounts",
                "2026-W10",
                "2026-03-02",
                opened=1,
                measured=0,
                in_time=0,
                in_time_share=None,
                breaches=0,
                responded=0,
                median_response_hours=None,
                p90_response_hours=None,
            ),
        ]
    )

    # -- answers
    def business(self, calendar_id: str) -> BusinessCalendar:
        stored = self.calendars[calendar_id]
        return BusinessCalendar(
            time_zone=stored["time_zone"],
            weekly_hours=week_of_texts(stored["weekly_hours"]),
            closed_days=[dt.date.fromisoformat(d) for d, (k, _) in stored["days"].items() if k == "closed"],
            extra_open_days=[
                dt.date.fromisoformat(d) for d, (k, _) in stored["days"].items() if k == "extra_open"
            ],
        )

    def out(self, principal: Principal, calendar_id: str) -> dict:
        stored = self.calendars[calendar_id]
        days = sorted(stored["days"].items())
        return {
            **{k: v for k, v in stored.items() if k != "days"},
            "weekly_hours": [
                {"weekday": weekday, "ranges": [{"start": s, "end": e} for s, e in ranges]}
                for weekday, ranges in enumerate(stored["weekly_hours"])
            ],
            "closed_days": [{"day": d, "note": n} for d, (k, n) in days if k == "closed"],
            "extra_open_days": [{"day": d, "note": n} for d, (k, n) in days if k == "extra_open"],
            "account_count": sum(1 for a in self.accounts.values() if a["calendar_id"] == calendar_id),
            "allowed_actions": calendar_actions(principal),
        }

    def detail(self, principal: Principal, language: str, calendar_id: str, year: int | None) -> dict:
        year = year or dt.date.today().year
        names = HOLIDAYS.get(language, HOLIDAYS["en"])
        holidays = [{"day": f"{year}-{day}", "name": name} for day, name in sorted(names.items())]
        return {**self.out(principal, calendar_id), "year": year, "holidays": holidays}

    def account_answer(self, principal: Principal, account_id: str) -> dict:
        account = self.accounts[account_id]
        actions = [a for a in calendar_actions(principal) if a == "assign_accounts"]
        return {
            "account_id": account_id,
            "assigned": account["assigned"],
            "calendar_id": account["calendar_id"],
            "allowed_actions": actions,
        }

    # -- routes
    def mount(self, app: FastAPI, base: str, principal: Callable[[], Principal], language: Callable[[], str]):
        self.reading_routes(app, base, principal, language)
        self.change_routes(app, base, principal, language)
        self.report_routes(app, base, principal)

    def reading_routes(self, app: FastAPI, base: str, principal, language) -> None:
        @app.get(f"{base}/calendars")
        async def calendars():
            if not principal().is_staff:
                return problem(403, "forbidden")
            items = [self.out(principal(), calendar_id) for calendar_id in sorted(self.calendars)]
            return {"items": items, "allowed_actions": calendar_actions(principal())}

        @app.get(f"{base}/calendars/{{calendar_id}}")
        async def detail(calendar_id: str, year: int | None = None):
            if calendar_id not in self.calendars:
                return problem(404, "unknown_calendar")
            if year is not None and not 2000 <= year <= 2100:
                return field_problem("year", "must_be_at_most", limit=2100)
            return self.detail(principal(), language(), calendar_id, year)

        @app.get(f"{base}/calendars/{{calendar_id}}/accounts")
        async def accounts(calendar_id: str, limit: int = 20, offset: int = 0):
            using = [
                {k: v for k, v in a.items() if k != "calendar_id"}
                for a in self.accounts.values()
                if a["calendar_id"] == calendar_id
            ]
            return {
                "items": using[offset : offset + limit],
                "total": len(using),
                "limit": limit,
                "offset": offset,
            }

        @app.get(f"{base}/calendars/{{calendar_id}}/due")
        async def due(calendar_id: str, start: str, hours: str):
            return self.due(calendar_id, start, hours)

    def due(self, calendar_id: str, start: str, hours: str) -> Any:
        business = self.business(calendar_id)
        try:
            begin = dt.datetime.fromisoformat(start)
        except ValueError:
            return field_problem("start", "not_a_datetime")
        try:
            number = float(hours)
        except ValueError:
            return field_problem("hours", "not_a_number")
        if number <= 0:
            return field_problem("hours", "must_be_greater_than", limit=0)
        begin = begin if begin.tzinfo else begin.replace(tzinfo=business.zone)
        counted_from = business.next_opening(begin)
        return {
            "calendar_id": calendar_id,
            "due_at": business.due_at(begin, number).isoformat(),
            "counted_from": counted_from.isoformat(),
            "outside_business_hours": counted_from != begin,
        }

    def change_routes(self, app: FastAPI, base: str, principal, language) -> None:
        def refused() -> JSONResponse | None:
            return None if principal().is_supervisor else problem(403, "forbidden")

        @app.put(f"{base}/calendars/{{calendar_id}}/weekly-hours")
        async def weekly_hours(calendar_id: str, body: dict):
            if refusal := refused():
                return refusal
            days = []
            for weekday, day in enumerate(body["weekly_hours"]):
                try:
                    ranges = [OpeningRange.parse(r["start"], r["end"]) for r in day["ranges"]]
                    days.append(list(checked_day(ranges)))
                except InvalidHours as exc:
                    return field_problem(f"weekly_hours.{weekday}.ranges.{exc.index}", exc.code)
                except ValueError:
                    return field_problem(f"weekly_hours.{weekday}.ranges.0.start", "invalid_format")
            try:
                week = checked_week(days)
            except InvalidHours as exc:
                return field_problem("weekly_hours", exc.code)
            self.calendars[calendar_id]["weekly_hours"] = [[list(r.texts()) for r in d] for d in week]
            return self.detail(principal(), language(), calendar_id, None)

        @app.put(f"{base}/calendars/{{calendar_id}}/{{segment}}/{{day}}")
        @app.delete(f"{base}/calendars/{{calendar_id}}/{{segment}}/{{day}}")
        async def change_day(calendar_id: str, segment: str, day: str, request: Request):
            if refusal := refused():
                return refusal
            if not 2000 <= dt.date.fromisoformat(day).year <= 2100:
                return field_problem("day", "date_out_of_range", first_year="2000", last_year="2100")
            days = self.calendars[calendar_id]["days"]
            if request.method == "PUT":
                days[day] = (DAY_KINDS[segment], (await request.json()).get("note", ""))
            elif days.get(day, ("",))[0] == DAY_KINDS[segment]:
                del days[day]
            return self.detail(principal(), language(), calendar_id, int(day[:4]))

        @app.put(f"{base}/accounts/{{account_id}}/calendar")
        @app.delete(f"{base}/accounts/{{account_id}}/calendar")
        async def assign(account_id: str, request: Request):
            if refusal := refused():
                return refusal
            account = self.accounts[account_id]
            chosen = (await request.json())["calendar_id"] if request.method == "PUT" else None
            if chosen is not None and chosen not in self.calendars:
                return problem(404, "unknown_calendar")
            account["assigned"] = chosen is not None
            account["calendar_id"] = chosen or account["subdivision"] or account["country"]
            return self.account_answer(principal(), account_id)

    def report_routes(self, app: FastAPI, base: str, principal) -> None:
        @app.get(f"{base}/reports/service-level")
        async def report(request: Request):
            return self.report(principal(), request) or {
                "first_day": request.query_params["from"],
                "last_day": request.query_params["to"],
                "time_zone": request.query_params.get("time_zone", "UTC"),
                "department": request.query_params.get("department"),
                "generated_at": "2026-03-16T11:00:00+00:00",
                "rows": self.rows(request),
            }

        @app.get(f"{base}/reports/service-level.csv")
        async def report_csv(request: Request):
            if refusal := self.report(principal(), request):
                return refusal
            rows = [ServiceLevelRow(**row) for row in self.rows(request)]
            return Response(as_csv(rows), media_type="text/csv; charset=utf-8")

    def rows(self, request: Request) -> list[dict]:
        department = request.query_params.get("department")
        return [row for row in self.report_rows if not department or row["department"] == department]

    def report(self, principal: Principal, request: Request) -> JSONResponse | None:
        """The report's refusals: a role other than supervisor, a missing or bad date, the end before the start,
        an unknown department."""
        if not principal.is_supervisor:
            return problem(403, "forbidden")
        query = request.query_params
        dates = {}
        for name in ("from", "to"):
            try:
                dates[name] = dt.date.fromisoformat(query.get(name, ""))
            except ValueError:
                return field_problem(name, "not_a_date" if query.get(name) else "required")
        if dates["to"] < dates["from"]:
            return field_problem("to", "ends_before_start")
        if query.get("department") and query["department"] not in DEPARTMENTS:
            return field_problem("department", "not_a_choice")
        return None
