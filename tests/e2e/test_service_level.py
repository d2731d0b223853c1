"""F-12 across the processes, on the test's business clock: an incident's response is due the device contract's
business hours after it was created, on the account's calendar (Madrid's, Sweden's with Midsummer Eve); a case
received outside business hours counts from the next opening and the customer is told so on the case page and in
the email, in their language; waiting for the customer moves the due time by the business time waited; and a
breach is emailed to the department's agent once, with two `cases` processes, never at night."""

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from deploy.demo.data import DEMO_PASSWORD
from tests.system import text_of

pytestmark = pytest.mark.e2e
MADRID, STOCKHOLM = ZoneInfo("Europe/Madrid"), ZoneInfo("Europe/Stockholm")
SPANISH_ADMIN, SWEDISH_ADMIN, AGENT = "admin@iberica.example", "admin@nordisk.example", "agent@canon.example"
FOUR_HOURS = {SPANISH_ADMIN: "ES5860A0003", SWEDISH_ADMIN: "SE5850C0007"}  # the demo's four-hour contracts
MINUTE = timedelta(minutes=1)


@pytest.fixture
def clock(system):
    yield system.clock
    system.clock.reset()


def incident(system, email: str, subject: str) -> dict:
    """An incident on the customer's four-hour device, created now in business time."""
    with system.client(system.login(email)) as api:
        devices = {d["serial"]: d for d in api.get("/api/accounts/v1/devices").json()["items"]}
        created = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": devices[FOUR_HOURS[email]]["id"],
                "type": "incident",
                "category": "print_quality",
                "subject": subject,
                "description": "Rayas grises en cada página.",
            },
        )
    assert created.status_code == 201, created.text
    return created.json()


def due_at(case: dict) -> datetime:
    return datetime.fromisoformat(case["response_due_at"])


def at_about(value: datetime, expected: datetime) -> bool:
    """The same instant give or take the seconds the processes' clocks ran on while the test worked."""
    return abs(value - expected) < MINUTE


def case_page(system, email: str, case_id: str) -> str:
    """The case page as the customer's browser gets it, after logging in through the login form."""
    with httpx.Client(base_url=system.gateway, timeout=15) as browser:
        form = browser.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "the login page has no CSRF field"
        logged_in = browser.post(
            "/login",
            data={"email": email, "password": DEMO_PASSWORD, "next": "/", "csrf_token": token.group(1)},
        )
        assert logged_in.status_code == 303, logged_in.text
        return browser.get(f"/cases/{case_id}").text


def ack_of(system, email: str, number: str) -> str:
    [ack] = system.inbox.wait_for(lambda m: email in m["To"] and number in m["Subject"])
    return text_of(ack)


def test_a_spanish_incident_from_friday_afternoon_is_due_on_monday_at_half_past_eleven(system, clock):
    clock.set(datetime(2026, 11, 27, 16, 30, tzinfo=MADRID))
    case = incident(system, SPANISH_ADMIN, "Rayas el viernes por la tarde")
    assert at_about(due_at(case), datetime(2026, 11, 30, 11, 30, tzinfo=MADRID))
    assert case["received_outside_business_hours"] is False
    assert "Le responderemos antes del lunes, 30 de noviembre de 2026, 11:30 (Europe/Madrid)." in ack_of(
        system, SPANISH_ADMIN, case["number"]
    )


def test_a_spanish_incident_from_saturday_is_due_monday_at_noon_and_the_customer_is_told(system, clock):
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=MADRID))
    case = incident(system, SPANISH_ADMIN, "Rayas el sábado")
    assert at_about(due_at(case), datetime(2026, 11, 30, 12, 0, tzinfo=MADRID))
    assert case["received_outside_business_hours"] is True
    page = case_page(system, SPANISH_ADMIN, case["id"])
    assert "lunes, 30 de noviembre de 2026, 12:00" in page
    assert (
        "Recibido fuera del horario laboral; le responderemos antes del lunes, 30 de noviembre de 2026, 12:00."
        in page
    )
    assert (
        "Recibido fuera del horario laboral; le responderemos antes del lunes, 30 de noviembre de 2026, 12:00 "
        "(Europe/Madrid)." in ack_of(system, SPANISH_ADMIN, case["number"])
    )


def test_the_holidays_of_december_move_both_in_madrid(system, clock):
    # Monday 7 December (after Constitution Day) and Tuesday 8 December (Immaculate Conception) are closed.
    clock.set(datetime(2026, 12, 4, 16, 30, tzinfo=MADRID))
    friday = incident(system, SPANISH_ADMIN, "Rayas antes del puente")
    clock.set(datetime(2026, 12, 5, 10, 0, tzinfo=MADRID))
    saturday = incident(system, SPANISH_ADMIN, "Rayas en el puente")
    assert at_about(due_at(friday), datetime(2026, 12, 9, 11, 30, tzinfo=MADRID))
    assert at_about(due_at(saturday), datetime(2026, 12, 9, 12, 0, tzinfo=MADRID))
    assert "miércoles, 9 de diciembre de 2026, 12:00" in ack_of(system, SPANISH_ADMIN, saturday["number"])


def test_the_swedish_account_over_midsummer(system, clock):
    # Midsummer Eve (Friday 19 June) is closed in Sweden, Midsummer Day is a Saturday.
    clock.set(datetime(2026, 6, 18, 16, 30, tzinfo=STOCKHOLM))
    thursday = incident(system, SWEDISH_ADMIN, "Ränder före midsommar")
    assert at_about(due_at(thursday), datetime(2026, 6, 22, 11, 30, tzinfo=STOCKHOLM))
    assert thursday["received_outside_business_hours"] is False
    clock.set(datetime(2026, 6, 20, 10, 0, tzinfo=STOCKHOLM))
    saturday = incident(system, SWEDISH_ADMIN, "Ränder på midsommardagen")
    assert at_about(due_at(saturday), datetime(2026, 6, 22, 12, 0, tzinfo=STOCKHOLM))
    assert saturday["received_outside_business_hours"] is True
    page = case_page(system, SWEDISH_ADMIN, saturday["id"])
    assert "Mottaget utanför kontorstid; vi svarar senast måndag 22 juni 2026 12:00." in page
    assert (
        "Mottaget utanför kontorstid; vi svarar senast måndag 22 juni 2026 12:00 (Europe/Stockholm)."
        in ack_of(system, SWEDISH_ADMIN, saturday["number"])
    )


def test_two_business_hours_waiting_for_the_customer_move_the_due_time_by_two_business_hours(system, clock):
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=MADRID))
    case = incident(system, SPANISH_ADMIN, "Rayas el lunes")  # due 13:00
    assert at_about(due_at(case), datetime(2026, 11, 30, 13, 0, tzinfo=MADRID))
    agent, customer = system.login(AGENT), system.login(SPANISH_ADMIN)
    clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=MADRID))
    with system.client(agent) as api:
        for status in ("in_progress", "waiting_for_customer"):
            moved = api.post(f"/api/cases/v1/cases/{case['id']}/status", json={"status": status})
            assert moved.status_code == 200, moved.text
    clock.set(datetime(2026, 11, 30, 11, 30, tzinfo=MADRID))
    with system.client(customer) as api:
        replied = api.post(f"/api/cases/v1/cases/{case['id']}/messages", json={"body": "Adjunto la foto."})
        assert replied.status_code == 201, replied.text
    with system.client(agent) as api:
        detail = api.get(f"/api/cases/v1/cases/{case['id']}").json()
    assert detail["status"] == "in_progress"
    assert at_about(due_at(detail), datetime(2026, 11, 30, 15, 0, tzinfo=MADRID))
    assert abs(detail["paused_seconds"] - 2 * 3600) < 60
    assert detail["service_level"]["met"] is True


def test_a_breach_is_emailed_once_with_two_cases_processes_and_not_at_night(system, clock):
    system.start_replica("cases", "cases-2")
    try:
        clock.set(datetime(2026, 12, 2, 12, 58, tzinfo=MADRID))
        case = incident(system, SPANISH_ADMIN, "Rayas que vencen al cierre")  # due just before closing time
        assert at_about(due_at(case), datetime(2026, 12, 2, 16, 58, tzinfo=MADRID))

        def alerts() -> list:
            return [m for m in system.inbox.to(AGENT) if case["number"] in m["Subject"]]

        clock.set(datetime(2026, 12, 2, 22, 0, tzinfo=MADRID))  # overdue, at night
        time.sleep(5)  # the job looks every second in each process
        assert alerts() == []
        clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=MADRID))  # the next opening
        [breach] = system.inbox.wait_for(lambda m: AGENT in m["To"] and case["number"] in m["Subject"])
        assert breach["Subject"] == f"Case {case['number']} is overdue: no response yet"
        assert f"/agent/cases/{case['id']}" in text_of(breach)
        time.sleep(5)
        assert len(alerts()) == 1  # no second email, and no warning once overdue
    finally:
        system.stop("cases-2")
