"""In a real browser (F-12, F-42): the demo supervisor, in Spanish, finds the business-hours calendars, previews a
due time on Madrid's calendar, closes the Monday it falls on and sees the preview move past it; she downloads the
service-level report of a week whose cases were opened and answered at set business times, and its numbers are
those of the cases. The calendar page also reads in Swedish and English.

Due times are written into the cases database here, as the service-level clock would have set them."""

import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_console_in_the_browser import set_due
from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser
SUPERVISOR, AGENT, ADMIN = "supervisor@canon.example", "agent@canon.example", "admin@iberica.example"
MADRID = ZoneInfo("Europe/Madrid")
CALENDAR = "/supervisor/calendars/ES-MD"
CLOSED_DAY = "2030-06-03"  # a Monday


def preview(page: Page, start: str, hours: str) -> None:
    form = page.locator("form[data-action='preview_due']")
    form.locator("#f-preview-start").fill(start)
    form.locator("#f-preview-hours").fill(hours)
    form.get_by_role("button", name="Mostrar el vencimiento").click()


@pytest.fixture
def no_closed_day(system) -> Iterator[None]:
    """Madrid's calendar is left as it was, whatever the test did to it."""
    yield
    with system.client(system.login(SUPERVISOR)) as api:
        api.delete(f"/api/cases/v1/calendars/ES-MD/closed-days/{CLOSED_DAY}")


def test_a_closed_day_moves_the_due_time_past_it_in_spanish(new_page, no_closed_day):
    supervisor = new_page("es-ES")
    log_in(supervisor, SUPERVISOR)
    supervisor.locator("nav.main-nav").get_by_role("link", name="Calendarios").click()
    expect(supervisor.locator("h1")).to_have_text("Calendarios laborables")
    supervisor.get_by_role("link", name="España (ES-MD)").click()
    expect(supervisor).to_have_url(re.compile(CALENDAR))
    expect(supervisor.locator("#hours-0 th")).to_have_text("Lunes")

    # Friday 31 May 2030 at 16:00 and four business hours: one on Friday, three on Monday.
    preview(supervisor, "2030-05-31T16:00", "4")
    expect(supervisor.locator("#preview-due")).to_have_text("lunes, 3 de junio de 2030, 11:00")

    add = supervisor.locator("#closed-days form[data-action='add_day']")
    add.locator("#f-day-closed-day").fill(CLOSED_DAY)
    add.locator("#f-day-closed-note").fill("Fiesta local de prueba")
    add.get_by_role("button", name="Añadir: Día cerrado").click()
    expect(supervisor.locator(".notice")).to_contain_text("El día se ha guardado en el calendario.")
    day = supervisor.locator("#closed-days li", has_text="Fiesta local de prueba")
    expect(day).to_contain_text("3 jun 2030")

    preview(supervisor, "2030-05-31T16:00", "4")
    expect(supervisor.locator("#preview-due")).to_have_text("martes, 4 de junio de 2030, 11:00")

    supervisor.locator("#closed-days li", has_text="Fiesta local de prueba").get_by_role("button").click()
    expect(supervisor.locator(".notice")).to_contain_text("El día vuelve a seguir el horario de su semana.")
    expect(supervisor.locator("#closed-days li", has_text="Fiesta local de prueba")).to_have_count(0)


def test_a_refused_range_is_shown_at_its_field_in_spanish(new_page):
    supervisor = new_page("es-ES")
    log_in(supervisor, SUPERVISOR)
    supervisor.goto(CALENDAR)
    form = supervisor.locator("form[data-action='set_hours']")
    form.locator("#f-hours-d2r0_start").fill("18:00")
    form.locator("#f-hours-d2r0_end").fill("09:00")
    form.get_by_role("button", name="Guardar el horario semanal").click()
    expect(supervisor.locator("#f-hours-d2r0-error")).to_contain_text(
        "La hora de cierre debe ser posterior a la de apertura."
    )
    expect(supervisor.locator("#f-hours-d2r0_start")).to_have_value("18:00")


@pytest.fixture
def supervisor_language(system) -> Iterator:
    """Set the demo supervisor's language for a test; she works in Spanish again afterwards."""
    api = system.client(system.login(SUPERVISOR))

    def use(language: str) -> None:
        assert api.patch("/api/accounts/v1/me", json={"language": language}).status_code == 200

    try:
        yield use
    finally:
        use("es")
        api.close()


@pytest.mark.parametrize(
    ("language", "calendar", "texts"),
    [
        ("sv", "SE", ["Sverige", "Öppettider per vecka", "Måndag", "Nyårsdagen", "Extra öppna dagar"]),
        ("en", "ES-MD", ["Spain (ES-MD)", "Weekly hours", "Monday", "New Year", "Extra open days"]),
    ],
)
def test_the_calendar_page_reads_in_swedish_and_english(
    new_page, supervisor_language, language, calendar, texts
):
    supervisor_language(language)
    page = new_page("en-GB")
    log_in(page, SUPERVISOR)
    page.goto(f"/supervisor/calendars/{calendar}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    for text in texts:
        expect(page.locator("main")).to_contain_text(text)


# The service-level report --------------------------------------------------------------------------------------


def at(day: int, hour: int) -> datetime:
    """A moment of June 2025 in Madrid: week 23 runs from Monday 2 to Sunday 8."""
    return datetime(2025, 6, day, hour, tzinfo=MADRID)


def week_of_cases(system) -> list[dict]:
    """Three incidents of the Spanish administrator in week 23 of 2025, answered by the agent or not, with their
    due times: in time after 2 business hours; late after 3 (Friday 16-17, Monday 8-10); never answered."""
    stories = [
        (at(2, 10), at(2, 12), at(2, 14)),
        (at(6, 16), at(9, 10), at(6, 17)),
        (at(4, 9), None, at(4, 13)),
    ]
    tag = f"Informe {uuid.uuid4().hex[:8]}"
    with system.client(system.login(ADMIN)) as customer, system.client(system.login(AGENT)) as agent:
        device_id = customer.get("/api/accounts/v1/devices").json()["items"][0]["id"]
        ids = []
        try:
            for created, answered, due in stories:
                system.clock.set(created)
                body = {"type": "incident", "device_id": device_id, "category": "paper_jam"}
                body |= {"subject": tag, "description": "Atasco en la bandeja 2."}
                case = customer.post("/api/cases/v1/cases", json=body).json()
                if answered:
                    system.clock.set(answered)
                    reply = {"body": "Lo estamos mirando.", "internal": False}
                    assert (
                        agent.post(f"/api/cases/v1/cases/{case['id']}/messages", json=reply).status_code
                        == 201
                    )
                set_due(system, case["id"], due)
                ids.append(case["id"])
        finally:
            system.clock.reset()
        return [agent.get(f"/api/cases/v1/cases/{case_id}").json() for case_id in ids]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def expected_row(cases: list[dict]) -> dict[str, str]:
    """The report's figures worked out from the cases themselves (all three are due by now)."""
    answered = [c for c in cases if c["first_response_at"]]
    in_time = [c for c in answered if moment(c["first_response_at"]) <= moment(c["response_due_at"])]
    assert {c["department"] for c in cases} == {"technical_support"}
    return {
        "department": "technical_support",
        "week": "2025-W23",
        "week_start": "2025-06-02",
        "opened": str(len(cases)),
        "measured": str(len(cases)),
        "in_time": str(len(in_time)),
        "in_time_share": str(round(len(in_time) / len(cases), 4)),
        "breaches": str(len(cases) - len(in_time)),
        "responded": str(len(answered)),
        "median_response_hours": "2.5",  # between 2 and 3 business hours
        "p90_response_hours": "3.0",
    }


def test_the_downloaded_report_has_the_numbers_of_the_cases(new_page, system, tmp_path: Path):
    cases = week_of_cases(system)
    supervisor = new_page("es-ES")
    log_in(supervisor, SUPERVISOR)
    supervisor.locator("nav.main-nav").get_by_role("link", name="Nivel de servicio").click()
    filters = supervisor.locator("form[data-action='filter_report']")
    filters.locator("#f-from").fill("2025-06-02")
    filters.locator("#f-to").fill("2025-06-08")
    filters.locator("#f-department").select_option("technical_support")
    filters.get_by_role("button", name="Mostrar").click()
    row = supervisor.locator("table.report tbody tr")
    expect(row).to_have_count(1)
    for text in ("Soporte técnico", "Semana 23 de 2025", "33\xa0% (1 de 3)", "2,5 h", "3 h"):
        expect(row).to_contain_text(text)

    with supervisor.expect_download() as download:
        supervisor.get_by_role("link", name="Descargar CSV").click()
    assert download.value.suggested_filename == "service-level-2025-06-02-2025-06-08.csv"
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows == [expected_row(cases)]
