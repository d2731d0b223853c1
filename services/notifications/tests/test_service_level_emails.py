"""F-12 in the emails, on SQLite and the in-memory bus with a real SMTP server: the case-created email names the
response due time with its weekday in the recipient's language and zone, and says when the case was received
outside business hours; the staff named by an alert about a response due time are emailed in their language with
a link to the agent's case page, once however often the event comes."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from conftest import create_all
from notifications.database import Base
from notifications.emails.models import Email
from notifications.main import create_app
from notifications.settings import Settings
from notifications.testing import email_parts
from shared.events import new_event
from shared.events.cases import CaseSlaBreached, CaseSlaWarning
from shared.testing import app_client

PORTAL = "https://portal.example"
CASE_ID = "7d1c9a52-2d7e-4c8b-9a57-0c0e8f3a9b11"
DUE = datetime(2026, 12, 9, 11, 0, tzinfo=UTC)  # Wednesday 9 December, 12:00 in Madrid and Stockholm


@pytest.fixture
async def app(sqlite_url, jwt_keys, smtp):
    await create_all(sqlite_url, Base.metadata)
    app = create_app(
        Settings(
            database_url=sqlite_url,
            amqp_url="memory://",
            jwt_public_keys=jwt_keys[1],
            public_url=PORTAL,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
        )
    )
    async with app_client(app):
        yield app


def alert(kind, recipients: list[str], account_name: str = "Ibérica Servicios Gráficos S.L."):
    return new_event(
        kind(
            case_id=CASE_ID,
            number="CS-2026-000777",
            account_id="acc-1",
            account_name=account_name,
            subject="Atasco en la bandeja 2",
            department="technical_support",
            assignee_id=None,
            response_due_at=DUE,
            recipient_ids=recipients,
            at=datetime(2026, 12, 9, 10, 5, tzinfo=UTC),
        ),
        source="cases",
        subject=CASE_ID,
    )


async def given_staff(app, user_upserted, *people: tuple[str, str, str]) -> None:
    for user_id, language, time_zone in people:
        await app.state.bus.deliver(
            user_upserted(
                user_id,
                language=language,
                time_zone=time_zone,
                email=f"{user_id}@canon.example",
                account_id=None,
            )
        )


async def test_a_case_received_outside_business_hours_says_so_in_spanish_and_swedish(
    app, smtp, user_upserted, case_created
):
    await app.state.bus.deliver(user_upserted("ana", language="es", time_zone="Europe/Madrid"))
    await app.state.bus.deliver(user_upserted("asa", language="sv", time_zone="Europe/Stockholm"))
    await app.state.bus.deliver(case_created(["ana", "asa"], due=DUE, outside_business_hours=True))
    await smtp.wait_for(2)
    spanish, html = email_parts(smtp.messages(to="ana@customer.example")[0])
    notice = (
        "Recibido fuera del horario laboral; le responderemos antes del miércoles, 9 de diciembre de 2026, "
        "12:00 (Europe/Madrid)."
    )
    assert notice in spanish and notice in html
    swedish, html = email_parts(smtp.messages(to="asa@customer.example")[0])
    notice = "Mottaget utanför kontorstid; vi svarar senast onsdag 9 december 2026 12:00 (Europe/Stockholm)."
    assert notice in swedish and notice in html


async def test_a_case_received_in_business_hours_gets_the_plain_promise(
    app, smtp, user_upserted, case_created
):
    await app.state.bus.deliver(user_upserted("ana", language="es", time_zone="Europe/Madrid"))
    await app.state.bus.deliver(case_created(["ana"], due=DUE))
    (message,) = await smtp.wait_for(1)
    text, _html = email_parts(message)
    assert "Le responderemos antes del miércoles, 9 de diciembre de 2026, 12:00 (Europe/Madrid)." in text
    assert "fuera del horario" not in text


async def test_a_warning_reaches_each_named_agent_in_their_language(app, smtp, user_upserted):
    await given_staff(
        app,
        user_upserted,
        ("sofia", "es", "Europe/Madrid"),
        ("sam", "sv", "Europe/Stockholm"),
        ("alex", "en", "Europe/London"),
    )
    await app.state.bus.deliver(alert(CaseSlaWarning, ["sofia", "sam", "alex"]))
    await smtp.wait_for(3)
    link = f"{PORTAL}/agent/cases/{CASE_ID}"

    (spanish,) = smtp.messages(to="sofia@canon.example")
    assert spanish["Subject"] == "Caso CS-2026-000777: queda menos de una hora laborable para responder"
    text, html = email_parts(spanish)
    assert "debe responderse antes del miércoles, 9 de diciembre de 2026, 12:00 (Europe/Madrid)" in text
    assert "Cliente: Ibérica Servicios Gráficos S.L." in text
    assert link in text and f'href="{link}"' in html

    (swedish,) = smtp.messages(to="sam@canon.example")
    assert swedish["Subject"] == "Ärende CS-2026-000777: mindre än en arbetstimme kvar att svara"
    text, html = email_parts(swedish)
    assert "senast onsdag 9 december 2026 12:00 (Europe/Stockholm)" in text and link in text

    (english,) = smtp.messages(to="alex@canon.example")
    assert english["Subject"] == "Case CS-2026-000777: less than one business hour left to respond"
    text, _html = email_parts(english)
    assert "due by Wednesday, 9 December 2026, 11:00 (Europe/London)" in text


async def test_a_breach_is_emailed_once_however_often_the_event_comes(app, smtp, user_upserted):
    await given_staff(app, user_upserted, ("sofia", "es", "Europe/Madrid"), ("sam", "sv", "Europe/Stockholm"))
    event = alert(CaseSlaBreached, ["sofia", "sam"], account_name="")
    await app.state.bus.deliver(event)
    await app.state.bus.deliver(event)
    await smtp.wait_for(2)
    (spanish,) = smtp.messages(to="sofia@canon.example")
    assert spanish["Subject"] == "El caso CS-2026-000777 está vencido: aún sin respuesta"
    text, _html = email_parts(spanish)
    assert "vencía el miércoles, 9 de diciembre de 2026, 12:00 (Europe/Madrid)" in text
    assert "Cliente:" not in text  # no account name known
    (swedish,) = smtp.messages(to="sam@canon.example")
    assert swedish["Subject"] == "Ärende CS-2026-000777 är försenat: inget svar ännu"
    async with app.state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Email)) == 2  # the duplicate queued none


async def test_an_inactive_agent_is_not_emailed(app, smtp, user_upserted):
    await app.state.bus.deliver(
        user_upserted("gone", language="es", email="gone@canon.example", account_id=None, active=False)
    )
    await given_staff(app, user_upserted, ("sofia", "es", "Europe/Madrid"))
    await app.state.bus.deliver(alert(CaseSlaBreached, ["gone", "sofia"]))
    await smtp.wait_for(1)
    assert smtp.messages(to="gone@canon.example") == []
