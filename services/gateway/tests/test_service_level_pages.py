"""F-12 on the pages: the case page shows the response due time with its weekday in the user's language and time
zone (Europe/Madrid from the profile), and whether the clock is paused, the response came in time or late, or is
overdue, as the cases service judges it; a case received outside business hours tells the customer so; the case
list asks for the open cases the soonest due first and the dashboard lists them so."""

import pytest

from services.gateway.tests.gateway_fakes import CASE_ID, log_in

DUE = "2026-12-09T11:00:00+00:00"  # Wednesday 9 December 2026, 12:00 in Madrid


def level(**changes) -> dict:
    return {
        "due_at": DUE,
        "paused": False,
        "met": None,
        "breached": False,
        "at_risk": False,
        "received_outside_business_hours": False,
        **changes,
    }


@pytest.fixture
def new_case(fakes):
    case = fakes.cases[CASE_ID]
    case.update(status="new", response_due_at=DUE, service_level=level(), allowed_transitions=["cancelled"])
    return case


@pytest.mark.parametrize(
    "language, due, notice",
    [
        (
            "es",
            "miércoles, 9 de diciembre de 2026, 12:00",
            "Recibido fuera del horario laboral; le responderemos antes del miércoles, 9 de diciembre de 2026, 12:00.",
        ),
        (
            "sv",
            "onsdag 9 december 2026 12:00",
            "Mottaget utanför kontorstid; vi svarar senast onsdag 9 december 2026 12:00.",
        ),
        (
            "en",
            "Wednesday, December 9, 2026, 12:00\u202fPM",
            "Received outside business hours; we will respond by Wednesday, December 9, 2026, 12:00\u202fPM.",
        ),
    ],
)
async def test_the_customer_sees_when_we_respond_and_why_so_late(
    gateway, fakes, new_case, language, due, notice
):
    fakes.me["language"] = language
    new_case["received_outside_business_hours"] = True
    new_case["service_level"] = level(received_outside_business_hours=True)
    await log_in(gateway)
    html = (await gateway.get(f"/cases/{CASE_ID}")).text
    assert f'<time datetime="{DUE}">{due}</time>' in html
    assert notice in html


async def test_no_notice_for_a_case_received_in_business_hours_or_already_answered(gateway, fakes, new_case):
    await log_in(gateway)
    assert "outside business hours" not in (await gateway.get(f"/cases/{CASE_ID}")).text
    new_case["service_level"] = level(received_outside_business_hours=True, met=True)
    assert "outside business hours" not in (await gateway.get(f"/cases/{CASE_ID}")).text


@pytest.mark.parametrize(
    "state, customer_words",
    [
        ({"breached": True}, "Vencido: aún sin respuesta"),
        ({"at_risk": True}, "Vence en menos de una hora"),
        ({"paused": True, "met": True}, "En pausa mientras esperamos su respuesta"),
        ({"met": True}, "Respondido a tiempo"),
        ({"met": False}, "Respondido con retraso"),
    ],
)
async def test_the_case_page_says_where_the_response_stands(gateway, fakes, new_case, state, customer_words):
    fakes.me["language"] = "es"
    new_case["service_level"] = level(**state)
    await log_in(gateway)
    assert customer_words in (await gateway.get(f"/cases/{CASE_ID}")).text


async def test_the_agent_sees_the_first_response_and_the_pause_in_their_words(gateway, fakes, new_case):
    fakes.staff_role = "agent"
    new_case.update(
        first_response_at="2026-12-08T09:15:00+00:00",
        service_level=level(paused=True, met=True, received_outside_business_hours=True),
    )
    await log_in(gateway)
    html = (await gateway.get(f"/agent/cases/{CASE_ID}")).text
    assert "First response" in html and '<time datetime="2026-12-08T09:15:00+00:00">' in html
    assert "Paused while the case waits for the customer" in html


async def test_the_case_list_asks_for_the_soonest_due_first_and_marks_them(logged_in, fakes, new_case):
    new_case["service_level"] = level(breached=True)
    html = (await logged_in.get("/cases")).text
    assert "Overdue" in html
    [call] = fakes.of("cases", "GET", "/api/cases/v1/cases")
    assert "sort=due" in call.query


async def test_the_dashboard_lists_the_soonest_due_first(gateway, fakes, new_case):
    later = {
        **new_case,
        "id": "case-9",
        "number": "CS-2026-000999",
        "response_due_at": "2026-12-08T08:00:00+00:00",  # stored earlier, but paused: due later now
        "service_level": level(due_at="2026-12-10T08:00:00+00:00", paused=True, met=True),
    }
    fakes.cases["case-9"] = later
    await log_in(gateway)
    html = (await gateway.get("/")).text
    assert html.index("CS-2026-000123") < html.index("CS-2026-000999")
