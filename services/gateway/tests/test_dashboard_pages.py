"""F-71: the dashboard shows what needs the visitor, compactly: each section at most five items, the soonest due
first, a "see all" link with the total to the full list; each case in one section; the sections a role gets
follow what the services allow."""

import datetime as dt
import re

import pytest

from services.gateway.tests.gateway_fakes import CASE_ID, log_in, section_of
from services.gateway.tests.test_allowed_actions import logged_in_as
from services.gateway.tests.test_reading_pages import due_item
from services.gateway.tests.test_request_pages import relocation_case, shipped_order

CASES = "/api/cases/v1/cases"


def numbers_in(html: str) -> list[str]:
    return re.findall(r">(CS-\d{4}-\d{6})</a>", html)


def incidents(fakes, due_in_hours: list[int | None]) -> list[str]:
    """Open incidents due in these many hours (None: no due time), in this order of creation; their numbers."""
    now, base = dt.datetime.now(dt.UTC), fakes.cases.pop(CASE_ID)
    fakes.cases.clear()
    numbers = []
    for index, hours in enumerate(due_in_hours):
        due = None if hours is None else (now + dt.timedelta(hours=hours)).isoformat()
        number = f"CS-2026-{index + 1:06d}"
        fakes.cases[f"case-{index}"] = {
            **base,
            "id": f"case-{index}",
            "number": number,
            "response_due_at": due,
            "service_level": {**base["service_level"], "due_at": due, "met": None},
        }
        numbers.append(number)
    return numbers


def see_all_of(section: str) -> tuple[str, str] | None:
    found = re.search(r'<p class="see-all"><a href="([^"]+)"[^>]*>([^<]+)</a>', section)
    return (found.group(1).replace("&amp;", "&"), found.group(2)) if found else None


async def test_a_section_shows_the_five_soonest_due_and_links_all_of_them(gateway, fakes):
    numbers = incidents(fakes, [30, 2, None, 8, 1, 50, 4])
    await log_in(gateway)
    section = section_of((await gateway.get("/")).text, "open-cases")
    due_first = [numbers[i] for i in (4, 1, 6, 3, 0)]  # 1, 2, 4, 8 and 30 hours
    assert numbers_in(section) == due_first
    assert see_all_of(section) == ("/cases?status=open&type=incident", "See all 7")
    # Only what is shown is asked for: the open incidents, the soonest due first, five of them.
    [query] = [c.query for c in fakes.of("cases", "GET", CASES) if "type=incident" in c.query]
    assert "limit=5" in query and "sort=due" in query
    assert {"status=new", "status=in_progress", "status=waiting_for_customer"} <= set(query.split("&"))


async def test_cases_without_a_due_time_come_last(gateway, fakes):
    numbers = incidents(fakes, [None, 3, None])
    await log_in(gateway)
    section = section_of((await gateway.get("/")).text, "open-cases")
    assert numbers_in(section)[0] == numbers[1]
    assert see_all_of(section) == ("/cases?status=open&type=incident", "See all 3")


async def test_each_case_shows_in_one_section_only(logged_in, fakes):
    shipped_order(fakes)
    relocation_case(fakes)
    html = (await logged_in.get("/")).text
    sections = {
        name: section_of(html, name) for name in ("open-cases", "requests-in-progress", "orders-on-their-way")
    }
    assert numbers_in(sections["open-cases"]) == ["CS-2026-000123"]
    assert numbers_in(sections["requests-in-progress"]) == ["CS-2026-000131"]
    assert numbers_in(sections["orders-on-their-way"]) == ["CS-2026-000130"]
    assert see_all_of(sections["requests-in-progress"]) == ("/cases?status=open&type=requests", "See all 1")
    assert see_all_of(sections["orders-on-their-way"]) == ("/cases?status=open&type=consumables", "See all 1")


async def test_the_readings_requested_show_the_earliest_five_and_link_the_due_page(logged_in, fakes):
    days = ["2026-03-09", "2026-03-02", "2026-03-07", "2026-03-01", "2026-03-05", "2026-03-03"]
    fakes.due = [due_item(f"dev-{day}", f"SN-{day}", ["black"], due_date=day) for day in days]
    section = section_of((await logged_in.get("/")).text, "readings-requested")
    assert re.findall(r"SN-(\d{4}-\d\d-\d\d)", section) == sorted(days)[:5]
    assert see_all_of(section) == ("/readings/due", "See all 6")


async def test_an_empty_section_has_no_see_all_link(logged_in, fakes):
    fakes.cases.clear()
    html = (await logged_in.get("/")).text
    assert "You have no open cases." in html and see_all_of(section_of(html, "open-cases")) is None


@pytest.mark.parametrize(
    ("role", "sections", "absent"),
    [
        (
            "administrator",
            {
                "open-cases",
                "readings-requested",
                "devices-offline",
                "toner-running-low",
                "requests-in-progress",
                "orders-on-their-way",
            },
            set(),
        ),
        (
            "device_manager",
            {"open-cases", "readings-requested", "devices-offline", "requests-in-progress"},
            {"toner-running-low", "orders-on-their-way"},
        ),
        (
            "stock_manager",
            {"toner-running-low", "orders-on-their-way"},
            {"open-cases", "readings-requested", "devices-offline", "requests-in-progress"},
        ),
    ],
)
async def test_each_role_gets_its_sections(gateway, fakes, role, sections, absent):
    client = await logged_in_as(gateway, fakes, role)
    html = (await client.get("/")).text
    shown = set(re.findall(r'<h2 id="([a-z-]+)"', html))
    assert sections <= shown and not absent & shown
    asked = " ".join(c.query for c in fakes.of("cases", "GET", CASES))
    assert ("type=incident" in asked) == ("open-cases" in shown)  # nobody asks for what is not shown
    assert ("type=consumables" in asked) == ("orders-on-their-way" in shown)


async def test_every_table_on_the_dashboard_is_a_named_keyboard_region(logged_in, fakes):
    shipped_order(fakes)
    relocation_case(fakes)
    fakes.due = [due_item("dev-1", "SN-4711", ["black"])]
    html = (await logged_in.get("/")).text
    wraps = re.findall(r'<div class="table-wrap"[^>]*>', html)
    assert len(wraps) >= 4
    for wrap in wraps:
        assert 'tabindex="0"' in wrap and 'role="region"' in wrap and re.search(r'aria-label="[^"]+"', wrap)


@pytest.mark.parametrize(("language", "see_all"), [("es", "Ver los 7"), ("sv", "Visa alla 7")])
async def test_the_see_all_link_is_in_the_visitor_language(gateway, fakes, language, see_all):
    incidents(fakes, [1, 2, 3, 4, 5, 6, 7])
    fakes.me["language"] = language
    await log_in(gateway)
    section = section_of((await gateway.get("/")).text, "open-cases")
    assert see_all_of(section) == ("/cases?status=open&type=incident", see_all)


async def test_the_case_list_takes_the_dashboard_filters(logged_in, fakes):
    html = (await logged_in.get("/cases?status=open&type=requests")).text
    [call] = fakes.of("cases", "GET", CASES)
    params = set(call.query.split("&"))
    assert {"status=new", "status=in_progress", "status=waiting_for_customer"} <= params
    assert {"type=relocation", "type=removal", "type=account_inquiry"} <= params
    assert '<option value="open" selected>Open (any)</option>' in html
    assert '<option value="requests" selected>Relocation, removal or account inquiry</option>' in html


async def test_when_the_accounts_service_is_down_the_other_services_decide_the_sections(logged_in, fakes):
    fakes.down.add("accounts")
    response = await logged_in.get("/")
    assert response.status_code == 200
    assert "CS-2026-000123" in section_of(response.text, "open-cases")
    assert "Your devices cannot be shown right now." in response.text
