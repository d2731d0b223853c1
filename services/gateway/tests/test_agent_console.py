"""F-40 in the portal: the agent's console. The staff's home is their queue: a tab per department with its counts
(their own first), the cases the soonest due first with the overdue and the nearly due marked in words, filters
as a GET form, paging. The case page carries the side panel and the assignment; every button is one the cases
service allows, and its refusals are shown next to the field in the visitor's language."""

import datetime as dt
from urllib.parse import parse_qs

import pytest

from services.gateway.tests.gateway_fakes import CASE_ID, csrf_of, log_in

QUEUE_PATH = "/api/cases/v1/queue"


def add_case(fakes, case_id: str, number: str, **changes) -> dict:
    base = fakes.cases[CASE_ID]
    case = {
        **base,
        "id": case_id,
        "number": number,
        "timeline": [],
        "breached": False,
        "at_risk": False,
        **changes,
    }
    fakes.cases[case_id] = case
    return case


def in_hours(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat()


@pytest.fixture
async def agent(gateway, fakes):
    """Ana works in technical support; the queue has an overdue case and one due within the hour."""
    fakes.staff_role = "agent"
    fakes.department_members["technical_support"] = ["user-1"]
    fakes.department_members["supplies"] = ["agent-1"]
    fakes.cases[CASE_ID].update(breached=True, response_due_at=in_hours(-2))
    add_case(
        fakes, "case-2", "CS-2026-000124", subject="Streaks", at_risk=True, response_due_at=in_hours(0.5)
    )
    add_case(fakes, "case-3", "CS-2026-000125", subject="Toner", department="supplies")
    await log_in(gateway)
    return gateway


def rows(html: str) -> list[str]:
    return [chunk.split("</tr>")[0] for chunk in html.split('<tr id="case-')[1:]]


async def test_the_staff_start_at_their_console(agent):
    home = await agent.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/agent")
    page = await agent.get("/agent")
    assert 'href="/agent" aria-current="page"' in page.text
    assert ">Overview<" not in page.text  # the console is their overview


async def test_the_queue_marks_overdue_and_nearly_due_cases_in_words(agent):
    page = await agent.get("/agent")
    assert page.status_code == 200, page.text
    overdue, soon = rows(page.text)
    assert "CS-2026-000123" in overdue and "due-overdue" in overdue and "Overdue" in overdue
    assert "CS-2026-000124" in soon and "due-soon" in soon and "Due soon" in soon
    assert "Acme SL" in overdue and "100200" in overdue and "SN-4711" in overdue
    # Only the departments' own cases: supplies is not Ana's.
    assert "CS-2026-000125" not in page.text


async def test_tabs_show_each_department_with_its_counts(agent, fakes):
    page = (await agent.get("/agent")).text
    assert 'data-department="technical_support"' in page and 'data-department="supplies"' not in page
    assert "2 open · 1 overdue · 2 unassigned" in " ".join(page.split())
    fakes.staff_role = "supervisor"
    await log_in(agent)
    page = (await agent.get("/agent")).text
    tabs = [part.split('"')[0] for part in page.split('data-department="')[1:]]
    assert tabs == ["technical_support", "supplies", "logistics", "accounts"]  # their own first
    supplies = (await agent.get("/agent?department=supplies")).text
    assert "CS-2026-000125" in supplies and "CS-2026-000123" not in supplies
    assert 'data-department="supplies" aria-current="page"' in supplies


async def test_filters_go_to_the_service_as_a_get_form(agent, fakes):
    await agent.get(
        "/agent",
        params={
            "department": "technical_support",
            "status": "in_progress",
            "type": "incident",
            "account_id": "acc-1",
            "assignee_id": "agent-1",
            "q": " jam ",
            "page": "2",
        },
    )
    [call] = fakes.of("cases", "GET", QUEUE_PATH)
    assert parse_qs(call.query) == {
        "department": ["technical_support"],
        "status": ["in_progress"],
        "type": ["incident"],
        "account_id": ["acc-1"],
        "assignee_id": ["agent-1"],
        "q": ["jam"],
        "limit": ["20"],
        "offset": ["20"],
    }
    page = (await agent.get("/agent?account_id=acc-1")).text
    # The form offers the accounts, the chosen account's devices, the staff and the open statuses only.
    assert 'value="acc-1" selected' in page and "Acme SL (100200)" in page
    assert "imageRUNNER C3826i – SN-4711" in page and '<option value="agent-1"' in page
    assert 'value="resolved"' not in page and 'value="waiting_for_customer"' in page


async def test_a_refused_filter_is_shown_next_to_its_field(agent):
    page = await agent.get("/agent?unassigned=true&assignee_id=agent-1")
    assert page.status_code == 422
    assert 'id="f-unassigned-error"' in page.text
    assert "Choose either a person or only the cases nobody is assigned to, not both." in page.text
    assert 'id="f-unassigned" name="unassigned" type="checkbox" value="true" checked' in page.text


async def test_the_queue_pages_and_keeps_its_filters(agent, fakes):
    for n in range(25):
        add_case(fakes, f"extra-{n}", f"CS-2026-{n:06d}")
    first = (await agent.get("/agent?q=x")).text
    assert "Page 1 of 2" in first and 'href="/agent?q=x&amp;page=2" rel="next"' in first
    await agent.get("/agent?q=x&page=2")
    assert parse_qs(fakes.of("cases", "GET", QUEUE_PATH)[-1].query)["offset"] == ["20"]


async def test_assign_to_me_from_the_queue_returns_to_it(agent, fakes):
    assert 'name="next" value="/agent"' in (await agent.get("/agent")).text
    page = (await agent.get("/agent?q=Streaks")).text
    assert page.count('data-action="assign_to_self"') == 2
    posted = await agent.post(
        "/agent/cases/case-2/assign",
        data={"to": "me", "next": "/agent?q=Streaks", "csrf_token": csrf_of(page)},
    )
    assert (posted.status_code, posted.headers["location"]) == (303, "/agent?q=Streaks&notice=assigned")
    assert fakes.of("cases", "POST", "/api/cases/v1/cases/case-2/assign")[0].body == {"assignee_id": "user-1"}
    back = (await agent.get(posted.headers["location"])).text
    assert "The case has been assigned." in back
    assert 'id="case-case-2"' in back and 'data-action="assign_to_self"' in rows(back)[0]  # case-1 still free
    assert "assign_to_self" not in rows(back)[1] and "Ana García" in rows(back)[1]


async def test_an_agent_of_no_department_is_told_so(gateway, fakes):
    fakes.staff_role = "agent"
    await log_in(gateway)
    page = (await gateway.get("/agent")).text
    assert "You do not work in any department yet" in page and "tabs" not in page


async def test_the_case_page_shows_the_side_panel(agent):
    page = (await agent.get(f"/agent/cases/{CASE_ID}")).text
    for text in (
        "Acme SL",
        "100200",
        "Spain",
        'href="mailto:ana@example.com"',
        'href="tel:+346001"',
        "8 business hours",
        "The account has no other open cases.",
        "Nobody",
    ):
        assert text in page, text


@pytest.mark.parametrize(
    ("language", "nobody", "how"),
    [
        ("es", "Nadie sigue este caso", "Los clientes siguen un caso o dejan de seguirlo desde su página"),
        ("sv", "Ingen följer ärendet", "Kunderna börjar eller slutar följa ett ärende på dess sida"),
    ],
)
async def test_the_case_page_names_the_followers_and_says_who_changes_them(
    agent, fakes, language, nobody, how
):
    fakes.me["language"] = language
    await log_in(agent)
    page = (await agent.get(f"/agent/cases/{CASE_ID}")).text
    part = page.split('data-part="followers"')[1].split("</section>")[0]
    assert nobody in part and how in part
    fakes.cases[CASE_ID]["followers"] = [{"id": "user-1", "name": "Ana García"}, {"id": "user-9", "name": ""}]
    page = (await agent.get(f"/agent/cases/{CASE_ID}")).text
    part = page.split('data-part="followers"')[1].split("</section>")[0]
    assert "<li>Ana García</li>" in part and "user-1" not in part and "user-9" not in part
    assert {"es": "Aún no se conoce.", "sv": "Inte känt ännu."}[language] in part
    assert nobody not in part and how in part
    # The staff do not change who follows a case: no form to do it.
    assert "<form" not in part


async def test_assign_to_me_a_colleague_and_nobody_from_the_case_page(agent, fakes):
    fakes.department_members["technical_support"] = ["user-1", "agent-1"]
    page = (await agent.get(f"/agent/cases/{CASE_ID}")).text
    assert {"assign_to_self", "assign"} <= set(part.split('"')[0] for part in page.split('data-action="')[1:])
    assert 'data-action="unassign"' not in page
    token = csrf_of(page)
    url = f"/agent/cases/{CASE_ID}/assign"
    mine = await agent.post(url, data={"to": "me", "csrf_token": token})
    assert mine.headers["location"] == f"/agent/cases/{CASE_ID}?notice=assigned"
    page = (await agent.get(mine.headers["location"])).text
    assert "The case has been assigned." in page and 'data-action="unassign"' in page
    assert 'data-action="assign_to_self"' not in page
    await agent.post(url, data={"assignee_id": "agent-1", "csrf_token": token})
    nobody = await agent.post(url, data={"to": "nobody", "csrf_token": token})
    assert nobody.headers["location"] == f"/agent/cases/{CASE_ID}?notice=unassigned"
    bodies = [c.body for c in fakes.of("cases", "POST", f"/api/cases/v1/cases/{CASE_ID}/assign")]
    assert bodies == [{"assignee_id": "user-1"}, {"assignee_id": "agent-1"}, {"assignee_id": None}]


async def test_a_colleague_refused_or_not_chosen_is_shown_next_to_the_select(agent, fakes):
    fakes.me["language"] = "es"
    fakes.staff["agent-2"] = {"user_id": "agent-2", "name": "Eva", "staff_role": "agent", "active": True}
    await log_in(agent)
    token = csrf_of((await agent.get(f"/agent/cases/{CASE_ID}")).text)
    url = f"/agent/cases/{CASE_ID}/assign"
    refused = await agent.post(url, data={"assignee_id": "agent-2", "csrf_token": token})
    assert refused.status_code == 422
    assert 'id="f-assignee_id-error"' in refused.text
    assert "Elija a alguien que trabaje en el departamento «Soporte técnico»." in refused.text
    empty = await agent.post(url, data={"assignee_id": "", "csrf_token": token})
    assert empty.status_code == 422 and 'id="f-assignee_id-error"' in empty.text
    assert len(fakes.of("cases", "POST", f"/api/cases/v1/cases/{CASE_ID}/assign")) == 1


async def test_the_case_page_offers_only_what_the_service_allows(agent, fakes):
    fakes.department_members["technical_support"] = []  # Ana may no longer take it herself
    fakes.cases[CASE_ID].update(status="closed", allowed_transitions=[])
    page = (await agent.get(f"/agent/cases/{CASE_ID}")).text
    shown = set(part.split('"')[0] for part in page.split('data-action="')[1:])
    assert shown == {"reply", "add_internal_note"}


@pytest.mark.parametrize(
    ("language", "phrases"),
    [
        (
            "en",
            ["Case queue", "Technical support", "2 open", "1 overdue", "Overdue", "Due soon", "Assign to me"],
        ),
        (
            "es",
            [
                "Cola de casos",
                "Soporte técnico",
                "2 abiertos",
                "1 vencido",
                "Vencido",
                "Vence pronto",
                "Asignármelo",
            ],
        ),
        (
            "sv",
            [
                "Ärendekö",
                "Teknisk support",
                "2 öppna",
                "1 försenat",
                "Försenat",
                "Förfaller snart",
                "Tilldela mig",
            ],
        ),
    ],
)
async def test_the_console_in_each_language(agent, fakes, language, phrases):
    fakes.me["language"] = language
    await log_in(agent)
    page = (await agent.get("/agent")).text
    assert f'<html lang="{language}">' in page
    for phrase in phrases:
        assert phrase in page, phrase
    side = (await agent.get(f"/agent/cases/{CASE_ID}")).text
    assert {"en": "Customer contact", "es": "Contacto del cliente", "sv": "Kundkontakt"}[language] in side


def email(subject: str, kind: str = "case_created", status: str = "sent") -> dict:
    return {
        "id": str(len(subject)),
        "event_id": "event-1",
        "kind": kind,
        "recipient": "ana@example.com",
        "user_id": "user-1",
        "language": "es",
        "subject": subject,
        "status": status,
        "attempts": 1,
        "last_error": None,
        "created_at": in_hours(-1),
        "sent_at": in_hours(-1),
        "next_attempt_at": None,
        "message_id": f"<{len(subject)}@portal>",
        "attempt_log": [],
    }


async def test_the_case_page_lists_the_emails_sent_about_the_case(agent, fakes):
    fakes.emails = [email("Caso CS-2026-000123 creado"), email("Caso CS-2026-000999 creado")]
    page = (await agent.get(f"/agent/cases/{CASE_ID}")).text
    part = page.split('data-part="emails"')[1].split("</section>")[0]
    assert "A case is created" in part and "ana@example.com" in part and "Sent" in part
    assert "CS-2026-000999" not in page
    [call] = fakes.of("notifications", "GET", "/api/notifications/v1/deliveries")
    assert parse_qs(call.query)["about"] == ["CS-2026-000123"]


@pytest.mark.parametrize(
    ("language", "unavailable"),
    [
        ("en", "This part is unavailable right now."),
        ("es", "Esta parte no está disponible en este momento."),
        ("sv", "Den här delen är inte tillgänglig just nu."),
    ],
)
async def test_with_notifications_down_the_case_page_works_and_its_emails_part_says_so(
    agent, fakes, language, unavailable
):
    fakes.me["language"] = language
    await log_in(agent)
    fakes.down.add("notifications")
    page = await agent.get(f"/agent/cases/{CASE_ID}")
    assert page.status_code == 200
    assert "CS-2026-000123" in page.text and 'data-action="reply"' in page.text
    part = page.text.split('data-part="emails"')[1].split("</section>")[0]
    assert unavailable in part
    ready = await agent.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["notifications"] == "unreachable"
