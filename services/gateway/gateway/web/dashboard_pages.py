"""F-71: the customer's dashboard shows what needs them, the most urgent first and compactly: each section a few
items, the soonest due first, and a link to all of them with their count. Which sections a visitor gets follows
what the services say they may do (`allowed_actions`), never a role named here."""

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.portal_pages import CASES, METERS, caller_actions, optional, visible_devices
from gateway.web.visit import UserVisit, Visit, parse_time
from shared import clock
from shared.events.vocabulary import CaseType, DeviceAction, PortalAction

router = APIRouter(include_in_schema=False)
SHOWN = 5  # items per section; the rest is one "see all" link away


@dataclass(frozen=True)
class CaseSection:
    """Open cases of some types: each type shows in one section only, to whom may start such a case."""

    types: tuple[str, ...]
    see_all: str  # the case list filtered to all of them
    concerns: tuple[str, ...]  # any of these actions shows the section


CASE_SECTIONS = {
    "open_cases": CaseSection(
        (CaseType.INCIDENT,), f"/cases?status=open&type={CaseType.INCIDENT}", (DeviceAction.REPORT_PROBLEM,)
    ),
    "requests": CaseSection(
        labels.REQUEST_TYPES,
        "/cases?status=open&type=requests",
        (DeviceAction.REQUEST_RELOCATION, DeviceAction.REQUEST_REMOVAL, PortalAction.ASK_ABOUT_ACCOUNT),
    ),
    "orders": CaseSection(
        (CaseType.CONSUMABLES,),
        f"/cases?status=open&type={CaseType.CONSUMABLES}",
        (DeviceAction.ORDER_SUPPLIES,),
    ),
}
# The other sections: who they concern, and the page listing all of their items.
OTHER_SECTIONS = {
    "readings": ((DeviceAction.SUBMIT_READING,), "/readings/due"),
    "offline": ((DeviceAction.REPORT_PROBLEM,), "/devices"),
    "toner": ((DeviceAction.ORDER_SUPPLIES,), "/supplies"),
}


@dataclass
class Section:
    """What one section shows: its first items, how many there are in all, and whether its service answered."""

    see_all: str
    items: list[dict] = field(default_factory=list)
    total: int = 0
    ok: bool = True


def startable(actions: list[str] | None, devices: list[dict] | None) -> set[str] | None:
    """What the visitor may start: the accounts service's actions and those of their devices (None: unknown, the
    accounts service did not answer, and the other services decide what each section holds)."""
    if actions is None and devices is None:
        return None
    return set(actions or ()) | {
        action for device in devices or () for action in device.get("allowed_actions") or ()
    }


def concerns(needed: Collection[str], may: set[str] | None) -> bool:
    return may is None or any(action in may for action in needed)


async def first_cases(visit: Visit, section: CaseSection) -> tuple[list[dict], int]:
    """The open cases of the section's types, only those shown (the soonest due first), and how many in all."""
    params = {
        "status": list(labels.OPEN_STATUSES),
        "type": list(section.types),
        "sort": "due",
        "limit": SHOWN,
    }
    body = await visit.get("cases", f"{CASES}/cases", params=params) or {}
    return sorted(body.get("items") or [], key=most_urgent_first), int(body.get("total") or 0)


async def listed(call: Awaitable[Any], rows: Callable[[dict], list[dict]]) -> tuple[list[dict], int]:
    """A section its service answers whole: its first rows and how many there are."""
    found = rows(await call or {})
    return found[:SHOWN], len(found)


async def section_of(
    see_all: str, shown: bool, fetch: Callable[[], Awaitable[tuple[list[dict], int]]]
) -> Section | None:
    """The section, or None when it does not concern the visitor (its service is then not asked)."""
    if not shown:
        return None
    answer, ok = await optional(fetch())
    items, total = answer or ([], 0)
    return Section(see_all, items, total, ok)


@router.get("/", response_class=HTMLResponse)
async def dashboard(visit: UserVisit) -> Response:
    """F-71: what needs the user now. The vendor's staff start at their console instead (F-40)."""
    if visit.user is not None and visit.user.may(PortalAction.WORK_CASES):
        return visit.redirect("/agent")
    if visit.user is not None and visit.user.guides_only:  # the Knowledge User reads the guides (F-16)
        return visit.redirect("/help/guides")
    (actions, _), (devices, devices_ok) = await asyncio.gather(
        optional(caller_actions(visit)), optional(visible_devices(visit))
    )
    may = startable(actions, devices)
    sections = await asyncio.gather(
        *(
            section_of(s.see_all, concerns(s.concerns, may), partial(first_cases, visit, s))
            for s in CASE_SECTIONS.values()
        ),
        *(
            section_of(see_all, concerns(needed, may), partial(other_rows, visit, name))
            for name, (needed, see_all) in OTHER_SECTIONS.items()
        ),
    )
    by_name: dict[str, Any] = dict(zip([*CASE_SECTIONS, *OTHER_SECTIONS], sections, strict=True))
    return visit.render(
        "dashboard.html",
        actions=actions or [],
        devices=devices or [],
        devices_ok=devices_ok,
        **by_name,
    )


def other_rows(visit: Visit, name: str) -> Awaitable[tuple[list[dict], int]]:
    """The readings requested (the earliest due first), the devices offline (the longest first, as the cases
    service gives them) and the toner running low (the lowest first)."""
    if name == "readings":
        return listed(visit.get("meters", f"{METERS}/due-readings"), due_readings)
    if name == "offline":
        return listed(
            visit.get("cases", f"{CASES}/offline-devices"), lambda body: offline_devices(visit, body)
        )
    return listed(visit.get("cases", f"{CASES}/supplies"), lambda body: running_low(body.get("items") or []))


def due_readings(body: dict) -> list[dict]:
    return sorted(body.get("items") or [], key=lambda item: str(item.get("due_date") or ""))


def offline_devices(visit: Visit, body: dict) -> list[dict]:
    return [
        {**item, "offline_for": offline_for(visit, item.get("offline_since"))}
        for item in body.get("items") or []
    ]


def offline_for(visit: Visit, since: Any) -> str:
    """How long a device has been offline, in whole days (hours on its first day), in the visitor's language."""
    started = parse_time(since)
    if started is None:
        return ""
    hours = max(0, int((clock.now() - started).total_seconds() // 3600))
    if hours < 1:
        return visit.gettext("less than an hour")
    if hours < 24:
        return visit.translations.ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}
    days = hours // 24
    return visit.translations.ngettext("%(num)d day", "%(num)d days", days) % {"num": days}


def running_low(devices: list[dict]) -> list[dict]:
    """The Stock Manager's list (F-71): per device, each toner colour running low, the lowest first."""
    rows = [
        {"device": device, "toner": toner}
        for device in devices
        for toner in device.get("toners") or []
        if toner.get("low")
    ]
    return sorted(rows, key=lambda row: (row["toner"].get("level") or 0, row["device"].get("serial") or ""))


def most_urgent_first(case: dict) -> tuple[bool, dt.datetime]:
    """The order of open cases (F-71): the soonest due first, by the due time the cases service gives (a case
    waiting for the customer: moved on by the time waited so far); cases without one last."""
    level = case.get("service_level") or {}
    due = parse_time(level.get("due_at") or case.get("response_due_at"))
    return due is None, due or dt.datetime.max.replace(tzinfo=dt.UTC)
