"""The business-hours calendars in the portal (F-12, F-42): the list, and each calendar's weekly hours, closed and
extra open days, public holidays, the accounts using it and a due-time preview. The vendor's staff read them;
the cases service checks the supervisor role on every change and says what the visitor may do
(`allowed_actions`); the page only shows that."""

import asyncio
import datetime as dt
import math
from typing import Any
from urllib.parse import quote

from babel import dates
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.portal_pages import page_number, page_window
from gateway.web.refusals import Refusal, form_errors, localized, problem_text
from gateway.web.visit import FORM_REFUSALS, PageError, StaffVisit, Visit, parse_time
from shared.events.vocabulary import CalendarDayKind
from shared.i18n import LocaleFormatter

router = APIRouter(prefix="/supervisor/calendars", include_in_schema=False)
CASES = "/api/cases/v1"
LIST = "/supervisor/calendars"
ACCOUNTS_PAGE_SIZE = 20
MAX_RANGES = 6  # opening ranges a day, as the cases service allows
# The assignment forms also show an account or a calendar that someone else removed meanwhile.
REFUSALS = FORM_REFUSALS | {404}
DAY_PATHS = {CalendarDayKind.CLOSED: "closed-days", CalendarDayKind.EXTRA_OPEN: "extra-open-days"}
NOTICES = {
    "hours_saved": labels.N_(
        "The weekly hours have been saved. Due times are counted with them from now on."
    ),
    "day_added": labels.N_("The day has been saved in the calendar."),
    "day_removed": labels.N_("The day has been given back to its week."),
    "calendar_assigned": labels.N_("The account now uses the calendar you chose."),
    "assignment_cleared": labels.N_("The account uses the calendar of its country or region again."),
}


def api_path(calendar_id: str, *parts: str) -> str:
    return "/".join([f"{CASES}/calendars", *(quote(part, safe="") for part in (calendar_id, *parts))])


def page_path(calendar_id: str) -> str:
    return f"{LIST}/{quote(calendar_id, safe='')}"


def required(visit: Visit, *names: str) -> dict[str, str]:
    return {name: localized(visit, "required", None, "invalid") for name in names}


# How places, zones and moments read in the visitor's language -------------------------------------------------


def place_name(visit: Visit, country: str, subdivision: str | None) -> str:
    """The country named by Babel in the visitor's language, with the ISO code of its region (`España (ES-MD)`):
    rather than the calendar's stored English name."""
    country_name = visit.formatter.locale.territories.get(country, country)
    return f"{country_name} ({subdivision})" if subdivision else country_name


def zone_name(visit: Visit, time_zone: str) -> str:
    try:
        return dates.get_timezone_location(dates.get_timezone(time_zone), locale=visit.formatter.locale)
    except LookupError:
        return time_zone


def weekday_names(visit: Visit) -> list[str]:
    days = visit.formatter.locale.days["format"]["wide"]
    return [days[weekday][:1].upper() + days[weekday][1:] for weekday in range(7)]


def local_moment(visit: Visit, value: Any, time_zone: str) -> str:
    """A moment in the calendar's time zone (not the visitor's): its day in full and its time."""
    formatter, moment = LocaleFormatter(visit.language, time_zone), parse_time(value)
    if moment is None:
        return ""
    time = dates.format_time(moment, "short", tzinfo=formatter.tz, locale=formatter.locale)
    return f"{formatter.date(moment, 'full')}, {time}"


def described(visit: Visit, calendar: dict[str, Any]) -> dict[str, Any]:
    return {
        **calendar,
        "place": place_name(visit, calendar["country"], calendar.get("subdivision")),
        "zone": zone_name(visit, calendar["time_zone"]),
    }


# The pages ------------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def calendars(visit: StaffVisit) -> Response:
    body = await visit.get("cases", f"{CASES}/calendars")
    return visit.render(
        "supervisor/calendars.html", calendars=[described(visit, item) for item in body["items"]]
    )


@router.get("/{calendar_id}", response_class=HTMLResponse)
async def calendar(visit: StaffVisit, calendar_id: str) -> Response:
    preview, refusal = await due_preview(visit, calendar_id)
    return await calendar_page(
        visit, calendar_id, status=422 if refusal else 200, refusal=refusal, preview=preview
    )


async def calendar_detail(visit: Visit, calendar_id: str) -> dict[str, Any]:
    """The calendar with the holidays of the year asked for (`?year=`), or of this year when that is not one the
    service reckons with."""
    year = visit.request.query_params.get("year", "")
    if year.isdigit():
        answer = await visit.call("cases", "GET", api_path(calendar_id), params={"year": year})
        if answer.ok:
            return dict(answer.body)
    return dict(await visit.get("cases", api_path(calendar_id)))


async def calendar_page(
    visit: Visit,
    calendar_id: str,
    status: int = 200,
    refusal: Refusal | None = None,
    preview: dict[str, Any] | None = None,
) -> Response:
    page = page_number(visit.request.query_params.get("page"))
    detail, accounts, listed = await asyncio.gather(
        calendar_detail(visit, calendar_id),
        visit.get("cases", api_path(calendar_id, "accounts"), params=page_window(page, ACCOUNTS_PAGE_SIZE)),
        visit.get("cases", f"{CASES}/calendars"),
    )
    calendar = described(visit, detail)
    return visit.render(
        "supervisor/calendar.html",
        status=status,
        calendar=calendar,
        week=week_rows(visit, calendar, refusal),
        accounts=[
            {**account, "place": place_name(visit, account["country"], account.get("subdivision"))}
            for account in accounts["items"]
        ],
        page=page,
        pages=max(1, math.ceil(accounts["total"] / ACCOUNTS_PAGE_SIZE)),
        calendar_choices=[(item["id"], described(visit, item)["place"]) for item in listed["items"]],
        preview=shown_preview(visit, preview, calendar["time_zone"]),
        preview_values=preview_values(visit, refusal),
        refusal=refusal,
        notice=visit.notice(NOTICES),
        kinds=CalendarDayKind,
    )


# The weekly hours ------------------------------------------------------------------------------------------------


def slot_name(weekday: int, index: int, edge: str) -> str:
    return f"d{weekday}r{index}_{edge}"


def week_rows(visit: Visit, calendar: dict[str, Any], refusal: Refusal | None) -> list[dict[str, Any]]:
    """Each weekday with its stored ranges and the slots of the form: what was typed when the service refused
    it, else the stored ranges and empty slots to add more (two at least, one more than it has)."""
    typed = refusal.values["week"] if refusal and refusal.concerns("hours") else None
    names = weekday_names(visit)
    rows = []
    for day in sorted(calendar["weekly_hours"], key=lambda d: d["weekday"]):
        weekday = day["weekday"]
        stored = [(opening["start"], opening["end"]) for opening in day["ranges"]]
        spare = max(0, min(MAX_RANGES, max(2, len(stored) + 1)) - len(stored))
        slots = typed[weekday] if typed else stored + [("", "")] * spare
        rows.append({"weekday": weekday, "name": names[weekday], "ranges": stored, "slots": slots})
    return rows


def typed_week(form: dict[str, Any]) -> list[list[tuple[str, str]]]:
    """The slots as posted, blank ones included, in the form's order."""
    week = []
    for weekday in range(7):
        slots = []
        for index in range(MAX_RANGES):
            start, end = slot_name(weekday, index, "start"), slot_name(weekday, index, "end")
            if start not in form and end not in form:
                break
            slots.append((str(form.get(start) or "").strip(), str(form.get(end) or "").strip()))
        week.append(slots)
    return week


def week_body(week: list[list[tuple[str, str]]]) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The service's body for the typed week (blank slots left out), the form's names of the service's field
    paths, and the fields of half-filled slots."""
    days, rename, blanks = [], {}, []
    for weekday, slots in enumerate(week):
        ranges: list[dict[str, str]] = []
        for index, (start, end) in enumerate(slots):
            if not (start or end):
                continue
            blanks += [
                slot_name(weekday, index, edge) for edge, text in (("start", start), ("end", end)) if not text
            ]
            path = f"weekly_hours.{weekday}.ranges.{len(ranges)}"
            rename[path] = f"d{weekday}r{index}"
            for edge in ("start", "end"):
                rename[f"{path}.{edge}"] = slot_name(weekday, index, edge)
            ranges.append({"start": start, "end": end})
        days.append({"ranges": ranges})
    return {"weekly_hours": days}, rename, blanks


@router.post("/{calendar_id}/weekly-hours", response_class=HTMLResponse)
async def set_weekly_hours(visit: StaffVisit, calendar_id: str) -> Response:
    week = typed_week(await visit.form())
    body, rename, blanks = week_body(week)
    if blanks:
        refusal = Refusal("hours", None, {"week": week}, required(visit, *blanks))
        return await calendar_page(visit, calendar_id, 422, refusal)
    answer = await visit.call("cases", "PUT", api_path(calendar_id, "weekly-hours"), json=body)
    if answer.ok:
        return visit.redirect(f"{page_path(calendar_id)}?notice=hours_saved#hours")
    errors = form_errors(visit, answer, [*rename.values(), "weekly_hours"], "weekly_hours", rename)
    refusal = Refusal("hours", None, {"week": week}, errors, problem_text(visit, answer))
    return await calendar_page(visit, calendar_id, answer.status, refusal)


# Closed days and extra open days ---------------------------------------------------------------------------------


def day_kind(kind: str) -> CalendarDayKind:
    if kind not in DAY_PATHS:
        raise PageError(404)
    return CalendarDayKind(kind)


def day_refusal(visit: Visit, kind: str, values: dict[str, str]) -> Refusal | None:
    """The day is the address of the service's operation: without a date there is nothing to call."""
    if not values["day"]:
        return Refusal(f"day-{kind}", None, values, required(visit, "day"))
    try:
        dt.date.fromisoformat(values["day"])
    except ValueError:
        return Refusal(f"day-{kind}", None, values, {"day": localized(visit, "not_a_date", None, "invalid")})
    return None


@router.post("/{calendar_id}/days", response_class=HTMLResponse)
async def add_day(visit: StaffVisit, calendar_id: str) -> Response:
    form = await visit.form()
    kind = day_kind(str(form.get("kind", "")))
    values = {"day": str(form.get("day") or "").strip(), "note": str(form.get("note") or "").strip()}
    if refusal := day_refusal(visit, kind, values):
        return await calendar_page(visit, calendar_id, 422, refusal)
    answer = await visit.call(
        "cases", "PUT", api_path(calendar_id, DAY_PATHS[kind], values["day"]), json={"note": values["note"]}
    )
    if answer.ok:
        return visit.redirect(f"{page_path(calendar_id)}?notice=day_added#{DAY_PATHS[kind]}")
    errors = form_errors(visit, answer, ("day", "note"), "day")
    refusal = Refusal(f"day-{kind}", None, values, errors, problem_text(visit, answer))
    return await calendar_page(visit, calendar_id, answer.status, refusal)


@router.post("/{calendar_id}/days/{kind}/{day}/remove", response_class=HTMLResponse)
async def remove_day(visit: StaffVisit, calendar_id: str, kind: str, day: str) -> Response:
    await visit.form()
    answer = await visit.call("cases", "DELETE", api_path(calendar_id, DAY_PATHS[day_kind(kind)], day))
    if answer.ok:
        return visit.redirect(f"{page_path(calendar_id)}?notice=day_removed#{DAY_PATHS[day_kind(kind)]}")
    refusal = Refusal(f"day-{kind}", None, problem=problem_text(visit, answer))
    return await calendar_page(visit, calendar_id, answer.status, refusal)


# Which calendar an account uses ----------------------------------------------------------------------------------


@router.post("/{calendar_id}/accounts/{account_id}", response_class=HTMLResponse)
async def assign_calendar(visit: StaffVisit, calendar_id: str, account_id: str) -> Response:
    form = await visit.form()
    values = {"calendar_id": str(form.get("calendar_id") or "")}
    which = f"account-{account_id}"
    if not values["calendar_id"]:
        return await calendar_page(
            visit, calendar_id, 422, Refusal(which, None, values, required(visit, "calendar_id"))
        )
    answer = await visit.call(
        "cases",
        "PUT",
        f"{CASES}/accounts/{quote(account_id, safe='')}/calendar",
        json=values,
        refusals=REFUSALS,
    )
    if answer.ok:
        return visit.redirect(f"{page_path(calendar_id)}?notice=calendar_assigned#accounts")
    errors = form_errors(visit, answer, ("calendar_id",), "calendar_id")
    refusal = Refusal(which, None, values, errors, problem_text(visit, answer))
    return await calendar_page(visit, calendar_id, answer.status, refusal)


@router.post("/{calendar_id}/accounts/{account_id}/clear", response_class=HTMLResponse)
async def clear_calendar(visit: StaffVisit, calendar_id: str, account_id: str) -> Response:
    await visit.form()
    answer = await visit.call(
        "cases", "DELETE", f"{CASES}/accounts/{quote(account_id, safe='')}/calendar", refusals=REFUSALS
    )
    if answer.ok:
        return visit.redirect(f"{page_path(calendar_id)}?notice=assignment_cleared#accounts")
    refusal = Refusal(f"account-{account_id}", None, problem=problem_text(visit, answer))
    return await calendar_page(visit, calendar_id, answer.status, refusal)


# The due-time preview ----------------------------------------------------------------------------------------------


def preview_values(visit: Visit, refusal: Refusal | None) -> dict[str, str]:
    if refusal and refusal.concerns("preview"):
        return dict(refusal.values)
    query = visit.request.query_params
    return {"start": query.get("start", ""), "hours": query.get("hours", "")}


def shown_preview(visit: Visit, preview: dict[str, Any] | None, time_zone: str) -> dict[str, Any] | None:
    if preview is None:
        return None
    return {
        "due_at": preview["due_at"],
        "due": local_moment(visit, preview["due_at"], time_zone),
        "counted_from": local_moment(visit, preview["counted_from"], time_zone),
        "outside_business_hours": preview["outside_business_hours"],
    }


async def due_preview(visit: Visit, calendar_id: str) -> tuple[dict[str, Any] | None, Refusal | None]:
    """When a response would be due (`?start=&hours=`), in the calendar's time zone; or why not."""
    values = preview_values(visit, None)
    if not any(values.values()):
        return None, None
    if missing := [name for name, value in values.items() if not value]:
        return None, Refusal("preview", None, values, required(visit, *missing))
    answer = await visit.call("cases", "GET", api_path(calendar_id, "due"), params=values)
    if not answer.ok:
        errors = form_errors(visit, answer, ("start", "hours"), "start")
        return None, Refusal("preview", None, values, errors, problem_text(visit, answer))
    return dict(answer.body), None
