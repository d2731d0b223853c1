"""F-60/F-61 on SQLite and the in-memory bus, with a real SMTP server: who gets which email, in which language,
with which link; duplicates, refusals and an absent mail server."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import select

from conftest import create_all
from notifications.database import Base
from notifications.emails.handlers import RecipientsNotKnownYet
from notifications.emails.models import Email
from notifications.emails.postbox import Addressee
from notifications.main import create_app
from notifications.settings import Settings
from notifications.testing import SmtpServer, email_parts
from shared.events import new_event
from shared.events.accounts import (
    EmailVerificationRequested,
    InvitationIssued,
    PasswordResetRequested,
    RegistrationAwaitingApproval,
)
from shared.events.cases import CaseMessageAdded, CaseStatusChanged, MessageFile
from shared.testing import app_client, eventually

PORTAL = "https://portal.example"


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient

    async def deliver(self, event) -> None:
        await self.app.state.bus.deliver(event)

    async def emails(self, **where) -> list[Email]:
        async with self.app.state.db.session() as session:
            query = select(Email).order_by(Email.created_at)
            for column, value in where.items():
                query = query.where(getattr(Email, column) == value)
            return list((await session.scalars(query)).all())

    async def wait_until_settled(self, timeout: float = 10.0) -> None:
        """Poll until no email is pending: everything queued has been sent (or given up)."""

        async def none_pending() -> bool:
            return not await self.emails(status="pending")

        await eventually(none_pending, timeout, what="no email pending")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def settings_for(url: str, jwt_keys, smtp: SmtpServer, **extra) -> Settings:
    return Settings(
        database_url=url,
        amqp_url="memory://",
        jwt_public_keys=jwt_keys[1],
        public_url=PORTAL + "/",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        **extra,
    )


@pytest.fixture
async def service(sqlite_url, jwt_keys, smtp):
    await create_all(sqlite_url, Base.metadata)
    app = create_app(settings_for(sqlite_url, jwt_keys, smtp))
    async with app_client(app) as client:
        yield Service(app, client)


async def given_users(service: Service, user_upserted, *specs: dict) -> None:
    for spec in specs:
        await service.deliver(user_upserted(**spec))


def status_changed(case_id: str, old: str, new: str, followers: list[str], changed_by: str) -> object:
    return new_event(
        CaseStatusChanged(
            case_id=case_id,
            number="CS-2026-000123",
            account_id="acc-1",
            subject="Paper jam in tray 2",
            old_status=old,
            new_status=new,
            changed_by=changed_by,
            changed_by_side="vendor",
            follower_ids=followers,
            changed_at=datetime.now(UTC),
        ),
        source="cases",
        subject=case_id,
    )


def message_added(
    case_id: str,
    followers: list[str],
    *,
    side: str = "vendor",
    internal: bool = False,
    body: str = "A technician will visit tomorrow.\nPlease keep the device switched on.",
    attachments: list[MessageFile] | None = None,
):
    return new_event(
        CaseMessageAdded(
            case_id=case_id,
            number="CS-2026-000123",
            account_id="acc-1",
            subject="Paper jam in tray 2",
            message_id=str(uuid.uuid4()),
            author_id="agent-1" if side == "vendor" else followers[0],
            author_side=side,
            internal=internal,
            body=body,
            follower_ids=followers,
            added_at=datetime.now(UTC),
            attachments=attachments or [],
        ),
        source="cases",
        subject=case_id,
    )


# --- case created ---------------------------------------------------------------------------------------


async def test_case_created_reaches_each_follower_in_their_language(
    service, smtp, user_upserted, case_created
):
    await given_users(
        service,
        user_upserted,
        {"user_id": "ann", "language": "en", "time_zone": "Europe/London"},
        {"user_id": "ana", "language": "es", "time_zone": "Europe/Madrid"},
        {"user_id": "asa", "language": "sv", "time_zone": "Europe/Stockholm"},
    )
    event = case_created(["ann", "ana", "asa"], due=datetime(2026, 3, 2, 14, 4, tzinfo=UTC))
    await service.deliver(event)
    await smtp.wait_for(3)
    link = f"{PORTAL}/cases/{event.data['case_id']}"

    (english,) = smtp.messages(to="ann@customer.example")
    assert english["Subject"] == "Case CS-2026-000123 created: Paper jam in tray 2"
    text, html = email_parts(english)
    # English in a European time zone is British English: day before month, a 24-hour clock (F-70).
    assert "We will respond by Monday, 2 March 2026, 14:04 (Europe/London)" in text
    assert "Concerning: Paper jam" in text
    assert link in text and f'href="{link}"' in html

    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "Caso CS-2026-000123 creado: Paper jam in tray 2"
    text, html = email_parts(spanish)
    assert "Hola, Ana:" in text
    assert "Hemos recibido su caso CS-2026-000123" in text and "Hemos recibido su caso CS-2026-000123" in html
    assert "Le responderemos antes del lunes, 2 de marzo de 2026, 15:04 (Europe/Madrid)" in text
    assert link in text and f'href="{link}"' in html and '<html lang="es">' in html

    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Ärende CS-2026-000123 har skapats: Paper jam in tray 2"
    text, html = email_parts(swedish)
    assert "Vi har tagit emot ditt ärende CS-2026-000123" in text
    assert "Vi svarar senast måndag 2 mars 2026 15:04 (Europe/Stockholm)" in html
    assert link in text and f'href="{link}"' in html


async def test_each_email_has_sender_stable_message_id_and_is_logged_as_sent(
    service, smtp, user_upserted, case_created
):
    await given_users(service, user_upserted, {"user_id": "ann"})
    event = case_created(["ann"])
    await service.deliver(event)
    (message,) = await smtp.wait_for(1)
    await service.wait_until_settled()
    (row,) = await service.emails(event_id=event.id)
    assert message["Message-ID"] == row.message_id and row.message_id.endswith("@selfservice.example>")
    assert message["From"] == "Self-Service Portal <no-reply@selfservice.example>"
    assert message["To"] == "Ann <ann@customer.example>"
    assert (row.status, row.attempts, row.kind, row.language) == ("sent", 1, "case_created", "en")
    assert row.sent_at is not None and "We will respond" not in row.text_body  # no due time given


async def test_user_text_is_escaped_in_html(service, smtp, user_upserted, case_created):
    await given_users(service, user_upserted, {"user_id": "ann", "name": "Ann <i>"})
    await service.deliver(case_created(["ann"], subject='<script>alert("x")</script> & jam'))
    (message,) = await smtp.wait_for(1)
    text, html = email_parts(message)
    assert "<script>" not in html and "&lt;script&gt;" in html and "Ann &lt;i&gt;" in html
    assert '<script>alert("x")</script> & jam' in text  # the plain text part is not HTML


# --- status changes, resolution, messages ----------------------------------------------------------------


async def test_status_change_in_words_skips_the_user_who_made_it(service, smtp, user_upserted):
    await given_users(
        service,
        user_upserted,
        {"user_id": "ana", "language": "es"},
        {"user_id": "asa", "language": "sv"},
        {"user_id": "changer"},
    )
    await service.deliver(
        status_changed("case-1", "new", "in_progress", ["ana", "asa", "changer"], "changer")
    )
    await smtp.wait_for(2)
    await service.wait_until_settled()
    assert smtp.messages(to="changer@customer.example") == []
    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "El caso CS-2026-000123 tiene un nuevo estado: En curso"
    text, _ = email_parts(spanish)
    assert "ha cambiado de «Nuevo» a «En curso»" in text and f"{PORTAL}/cases/case-1" in text
    (swedish,) = smtp.messages(to="asa@customer.example")
    text, _ = email_parts(swedish)
    assert "har ändrats från ”Nytt” till ”Pågående”" in text


async def test_a_follower_who_left_the_account_gets_no_link_to_its_case(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "ana"}, {"user_id": "gone", "account_id": None})
    await service.deliver(
        status_changed("case-1", "in_progress", "waiting_for_customer", ["ana", "gone"], "agent")
    )
    await smtp.wait_for(1)
    await service.wait_until_settled()
    assert smtp.messages(to="gone@customer.example") == []
    (told,) = smtp.messages(to="ana@customer.example")
    text, _ = email_parts(told)
    assert "please reply on the case page" in text


async def test_resolved_uses_the_resolution_email_and_its_own_preference(service, smtp, user_upserted):
    await given_users(
        service,
        user_upserted,
        {"user_id": "asa", "language": "sv"},
        {"user_id": "quiet", "preferences": {"case_resolved": False, "case_status_changed": True}},
        {"user_id": "only_resolved", "preferences": {"case_status_changed": False}},
    )
    await service.deliver(
        status_changed("case-1", "in_progress", "resolved", ["asa", "quiet", "only_resolved"], "agent-1")
    )
    await smtp.wait_for(2)
    await service.wait_until_settled()
    assert [r.kind for r in await service.emails()] == ["case_resolved", "case_resolved"]
    assert smtp.messages(to="quiet@customer.example") == []
    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Ärende CS-2026-000123 har lösts"
    text, _ = email_parts(swedish)
    assert "Om problemet kvarstår kan du öppna ärendet igen" in text and f"{PORTAL}/cases/case-1" in text
    assert len(smtp.messages(to="only_resolved@customer.example")) == 1


async def test_vendor_message_is_emailed_internal_notes_and_customer_messages_never(
    service, smtp, user_upserted
):
    await given_users(service, user_upserted, {"user_id": "ana", "language": "es"}, {"user_id": "bo"})
    internal = message_added("case-1", ["ana", "bo"], internal=True, body="Customer is difficult")
    from_customer = message_added("case-1", ["ana", "bo"], side="customer", body="Any news?")
    public = message_added("case-1", ["ana", "bo"])
    for event in (internal, from_customer, public):
        await service.deliver(event)
    await smtp.wait_for(2)
    await service.wait_until_settled()
    assert await service.emails(event_id=internal.id) == []
    assert await service.emails(event_id=from_customer.id) == []
    assert len(smtp.messages()) == 2
    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "Nuevo mensaje en el caso CS-2026-000123: Paper jam in tray 2"
    text, html = email_parts(spanish)
    assert "Nuestro equipo de servicio le ha escrito" in text
    assert "> A technician will visit tomorrow.\n> Please keep the device switched on." in text
    assert "A technician will visit tomorrow." in html and "Customer is difficult" not in text + html


async def test_a_message_with_files_names_them_with_their_sizes_and_where_to_download_them(
    service, smtp, user_upserted
):
    await given_users(
        service, user_upserted, {"user_id": "ana", "language": "es"}, {"user_id": "asa", "language": "sv"}
    )
    files = [
        MessageFile(filename="informe <final>.pdf", size=2_621_440),
        MessageFile(filename="foto.jpg", size=742_000),
    ]
    await service.deliver(message_added("case-9", ["ana", "asa"], attachments=files))
    await smtp.wait_for(2)
    (spanish,) = smtp.messages(to="ana@customer.example")
    text, html = email_parts(spanish)
    assert "Archivos enviados con el mensaje:\n- informe <final>.pdf (2,5 MB)\n- foto.jpg (725 kB)" in text
    assert "Puede descargarlos desde la página del caso:\n" + f"{PORTAL}/cases/case-9" in text
    assert "<li>informe &lt;final&gt;.pdf (2,5 MB)</li>" in html and "Puede descargarlos" in html
    (swedish,) = smtp.messages(to="asa@customer.example")
    text, html = email_parts(swedish)
    assert "Filer som skickades med meddelandet:\n- informe <final>.pdf (2,5 MB)\n- foto.jpg (725 kB)" in text
    assert "Du kan ladda ner dem från ärendets sida:" in text and f'href="{PORTAL}/cases/case-9"' in html


async def test_a_message_without_files_says_nothing_of_files(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "asa", "language": "sv"})
    await service.deliver(message_added("case-9", ["asa"]))
    (swedish,) = await smtp.wait_for(1)
    text, html = email_parts(swedish)
    assert "Filer" not in text and "ladda ner" not in text + html and "<ul" not in html


# --- preferences and inactive recipients ------------------------------------------------------------------


async def test_preferences_and_inactive_recipients(service, smtp, user_upserted, case_created):
    await given_users(
        service,
        user_upserted,
        {"user_id": "keen", "preferences": {"case_message": False}},  # other kinds: missing = on
        {"user_id": "opted_out", "preferences": {"case_created": False}},
        {"user_id": "gone", "active": False},
    )
    event = case_created(["keen", "opted_out", "gone"])
    await service.deliver(event)
    await smtp.wait_for(1)
    await service.wait_until_settled()
    assert [r.recipient for r in await service.emails(event_id=event.id)] == ["keen@customer.example"]
    assert len(smtp.messages()) == 1


async def test_a_newer_user_state_is_not_overwritten_by_a_late_older_one(
    service, smtp, user_upserted, case_created
):
    await service.deliver(user_upserted("ana", language="es", version=2))
    await service.deliver(user_upserted("ana", language="en", active=False, version=1))  # committed late
    await service.deliver(user_upserted("ana", language="sv", version=2))  # the same version again
    await service.deliver(user_upserted("ana", language="en"))  # from before versions: the copy has one
    await service.deliver(case_created(["ana"]))
    (message,) = await smtp.wait_for(1)
    assert message["Subject"].startswith("Caso CS-2026-000123 creado")


async def test_an_unknown_follower_makes_the_event_retry_until_the_user_arrives(
    service, smtp, user_upserted, case_created
):
    event = case_created(["newcomer"])
    with pytest.raises(RecipientsNotKnownYet):
        await service.deliver(event)
    assert await service.emails() == []
    await service.deliver(user_upserted("newcomer", language="sv"))
    await service.deliver(event)  # the bus's retry of the same event
    (message,) = await smtp.wait_for(1)
    assert message["Subject"].startswith("Ärende CS-2026-000123")


# --- security messages and approvals ----------------------------------------------------------------------


async def test_security_messages_go_to_the_event_address_and_ignore_preferences(service, smtp, user_upserted):
    everything_off = {
        k: False for k in ("case_created", "email_verification", "password_reset", "invitation")
    }
    await given_users(
        service,
        user_upserted,
        {"user_id": "bo", "language": "sv", "preferences": everything_off, "time_zone": "Europe/Stockholm"},
    )
    verification = new_event(
        EmailVerificationRequested(
            user_id="new-user",
            email="nuevo@customer.example",
            name="Nuevo",
            language="es",
            link_path="/verify-email?token=abc",
        ),
        source="accounts",
    )
    reset = new_event(
        PasswordResetRequested(
            user_id="bo",
            email="bo@customer.example",
            name="Bo",
            language="sv",
            link_path="/reset-password?token=def",
        ),
        source="accounts",
    )
    invitation = new_event(
        InvitationIssued(
            invitation_id="inv-1",
            account_id="acc-1",
            account_name="Acme Oficinas",
            email="invitada@customer.example",
            name="",
            language="es",
            role="device_stock_manager",
            link_path="/invitations/ghi",
            expires_at=datetime(2026, 5, 8, 10, 30, tzinfo=UTC),
            invited_by_name="María García",
            time_zone="Europe/Madrid",
        ),
        source="accounts",
    )
    for event in (verification, reset, invitation):
        await service.deliver(event)
    await smtp.wait_for(3)

    (message,) = smtp.messages(to="nuevo@customer.example")
    assert message["Subject"] == "Confirme su dirección de correo electrónico"
    text, html = email_parts(message)
    assert "Gracias por registrarse en el portal Self-Service" in text
    assert f"{PORTAL}/verify-email?token=abc" in text and f'href="{PORTAL}/verify-email?token=abc"' in html

    (message,) = smtp.messages(to="bo@customer.example")
    assert message["Subject"] == "Återställ ditt lösenord"
    text, html = email_parts(message)
    assert "Vi har fått en begäran om att återställa lösenordet" in text
    assert f"{PORTAL}/reset-password?token=def" in text

    (message,) = smtp.messages(to="invitada@customer.example")
    assert message["Subject"] == "Invitación al portal Self-Service de Acme Oficinas"
    text, html = email_parts(message)
    assert text.startswith("Hola:")
    assert "María García le ha invitado" in text  # who invited
    assert "con el rol de Gestor de dispositivos y existencias" in text
    # The expiry in the invitee's time zone (the account's, as the invitation gives it).
    assert (
        "válida hasta el 8 de mayo de 2026, 12:30 (Europe/Madrid)" in text
        and f"{PORTAL}/invitations/ghi" in html
    )


async def test_no_password_reset_email_for_a_deactivated_user(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "gone", "active": False})
    reset = new_event(
        PasswordResetRequested(
            user_id="gone",
            email="gone@customer.example",
            name="Gone",
            language="en",
            link_path="/reset-password?token=x",
        ),
        source="accounts",
    )
    await service.deliver(reset)
    assert await service.emails() == []


async def test_registration_awaiting_approval_goes_to_each_approver(service, smtp, user_upserted):
    await given_users(
        service,
        user_upserted,
        {"user_id": "admin-es", "language": "es"},
        {"user_id": "admin-sv", "language": "sv"},
    )
    event = new_event(
        RegistrationAwaitingApproval(
            registration_id="reg-1",
            account_id="acc-1",
            account_name="Acme AB",
            applicant_name="Nils Nilsson",
            applicant_email="nils@customer.example",
            approver_user_ids=["admin-es", "admin-sv"],
            link_path="/registrations/reg-1",
        ),
        source="accounts",
    )
    await service.deliver(event)
    await smtp.wait_for(2)
    (spanish,) = smtp.messages(to="admin-es@customer.example")
    assert spanish["Subject"] == "Registro pendiente de su aprobación: Nils Nilsson"
    text, _ = email_parts(spanish)
    assert "Nils Nilsson (nils@customer.example) se ha registrado" in text
    assert f"{PORTAL}/registrations/reg-1" in text
    (swedish,) = smtp.messages(to="admin-sv@customer.example")
    assert swedish["Subject"] == "Registrering väntar på ditt godkännande: Nils Nilsson"
    _, html = email_parts(swedish)
    assert "Godkänn eller avslå ansökan" in html and f'href="{PORTAL}/registrations/reg-1"' in html


# --- sent once, never lost ----------------------------------------------------------------------------------


async def test_the_same_event_delivered_twice_sends_one_email(service, smtp, user_upserted, case_created):
    await given_users(service, user_upserted, {"user_id": "ann"})
    event = case_created(["ann"])
    await service.deliver(event)
    await service.deliver(event)
    await smtp.wait_for(1)
    await service.wait_until_settled()
    assert len(smtp.messages()) == 1
    assert len(await service.emails(event_id=event.id)) == 1


async def test_the_unique_key_refuses_a_second_email_for_the_same_event_kind_and_address(service):
    postbox, to = service.app.state.postbox, Addressee("ann@customer.example", "Ann", "en")
    async with service.app.state.db.session() as session, session.begin():
        email = {"event_id": "event-1", "kind": "password_reset", "to": to, "link_path": "/reset"}
        assert await postbox.queue(session, **email) is True
        assert await postbox.queue(session, **email) is False
    assert len(await service.emails(event_id="event-1")) == 1


async def test_a_refusing_server_gets_the_email_once_it_accepts_again(
    service, smtp, user_upserted, case_created, token_for
):
    smtp.handler.refusals = 2  # "451 try later", twice
    retried, sent = emails_counted("case_created", "retry"), emails_counted("case_created", "sent")
    await given_users(service, user_upserted, {"user_id": "ann"})
    event = case_created(["ann"])
    await service.deliver(event)
    await smtp.wait_for(1)
    await service.wait_until_settled()
    assert len(smtp.messages()) == 1
    (row,) = await service.emails(event_id=event.id)
    assert (row.status, row.attempts) == ("sent", 3) and "451" in row.last_error
    assert emails_counted("case_created", "retry") == retried + 2
    assert emails_counted("case_created", "sent") == sent + 1

    response = await service.client.get(
        "/api/notifications/v1/deliveries", headers=bearer(token_for(staff_role="agent"))
    )
    (item,) = response.json()["items"]
    assert [a["outcome"] for a in item["attempt_log"]] == ["retry", "retry", "sent"]
    assert "Try again later" in item["attempt_log"][0]["error"]


async def test_an_absent_server_gets_the_email_when_it_is_back(service, smtp, user_upserted, case_created):
    smtp.stop()
    await given_users(service, user_upserted, {"user_id": "ann"})
    event = case_created(["ann"])
    await service.deliver(event)

    async def retried() -> list:
        rows = await service.emails(event_id=event.id)
        return rows if rows and rows[0].attempts >= 2 else []

    rows = await eventually(retried, 10, what="a failed attempt recorded")
    assert rows[0].status == "pending" and rows[0].last_error
    smtp.start()
    await smtp.wait_for(1)
    await service.wait_until_settled()
    assert len(smtp.messages()) == 1
    (row,) = await service.emails(event_id=event.id)
    assert row.status == "sent" and row.attempts >= 3


async def test_an_email_is_given_up_and_marked_failed_after_the_configured_time(
    sqlite_url, jwt_keys, smtp, user_upserted, case_created
):
    await create_all(sqlite_url, Base.metadata)
    smtp.handler.refusals = 1_000
    app = create_app(settings_for(sqlite_url, jwt_keys, smtp, email_give_up_after_hours=0.0))
    async with app_client(app) as client:
        service = Service(app, client)
        await service.deliver(user_upserted("ann"))
        await service.deliver(case_created(["ann"]))
        await service.wait_until_settled()
        (row,) = await service.emails()
        assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)


async def test_an_address_that_would_inject_headers_is_failed_and_does_not_block_others(
    service, smtp, user_upserted, case_created
):
    await given_users(
        service,
        user_upserted,
        {"user_id": "evil", "email": "evil@customer.example\r\nBcc: victim@else.example"},
        {"user_id": "ann", "name": "Ann\r\nBcc: victim@else.example"},
    )
    await service.deliver(case_created(["evil", "ann"]))
    (message,) = await smtp.wait_for(1)
    await service.wait_until_settled()
    assert message["To"] == '"Ann Bcc: victim@else.example" <ann@customer.example>'  # one line, one address
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [["ann@customer.example"]]
    statuses = {row.user_id: (row.status, row.attempts) for row in await service.emails()}
    assert statuses == {"evil": ("failed", 1), "ann": ("sent", 1)}


def emails_counted(kind: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("emails_total", {"kind": kind, "outcome": outcome}) or 0.0


# --- the operators' view ------------------------------------------------------------------------------------


async def test_deliveries_are_listed_for_staff_with_filters(
    service, smtp, user_upserted, case_created, token_for
):
    await given_users(service, user_upserted, {"user_id": "ann"}, {"user_id": "bo"})
    await service.deliver(case_created(["ann", "bo"]))
    await smtp.wait_for(2)
    await service.wait_until_settled()
    url = "/api/notifications/v1/deliveries"
    for role in ("agent", "supervisor"):
        response = await service.client.get(url, headers=bearer(token_for(staff_role=role)))
        assert response.status_code == 200 and len(response.json()["items"]) == 2
    page = (
        await service.client.get(
            url, params={"limit": 1, "offset": 1}, headers=bearer(token_for(staff_role="agent"))
        )
    ).json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (1, 2, 1, 1)
    headers = bearer(token_for(staff_role="agent"))
    response = await service.client.get(
        url, params={"recipient": "ANN@customer.example", "status": "sent"}, headers=headers
    )
    (item,) = response.json()["items"]
    assert item["recipient"] == "ann@customer.example" and item["kind"] == "case_created"
    assert item["subject"].startswith("Case CS-2026-000123") and item["attempts"] == 1
    assert item["attempt_log"] == [] and item["sent_at"]  # accepted at the first try: the row says it all
    assert "text_body" not in item and "html_body" not in item  # bodies may hold single-use links
    response = await service.client.get(url, params={"status": "failed"}, headers=headers)
    assert response.json()["items"] == []
    about = await service.client.get(url, params={"about": "CS-2026-000123"}, headers=headers)
    assert about.json()["total"] == 2  # the staff's case page lists the emails about the case by its number
    for elsewhere in ("CS-2026-000999", "%", "_S-2026-000123"):  # wildcards are taken literally
        response = await service.client.get(url, params={"about": elsewhere}, headers=headers)
        assert response.json()["total"] == 0, elsewhere


async def test_deliveries_refuse_customers_anonymous_callers_and_bad_filters(service, token_for):
    url = "/api/notifications/v1/deliveries"
    response = await service.client.get(url)
    assert response.status_code == 401
    customer = bearer(token_for(memberships={"acc-1": "administrator"}))
    response = await service.client.get(url, headers=customer)
    assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
    response = await service.client.get(
        url, params={"status": "lost"}, headers=bearer(token_for(staff_role="agent"))
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
    response = await service.client.get(
        url, params={"limit": 101}, headers=bearer(token_for(staff_role="agent"))
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "limit"
    response = await service.client.get(
        url, params={"about": "x" * 51}, headers=bearer(token_for(staff_role="agent"))
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "about"


async def test_case_created_repeats_the_device_and_where_it_stands(
    service, smtp, user_upserted, case_created
):
    from services.notifications.tests.test_reading_emails import device_upserted

    await given_users(
        service, user_upserted, {"user_id": "ana", "language": "es", "time_zone": "Europe/Madrid"}
    )
    await service.deliver(device_upserted())
    await service.deliver(case_created(["ana"], due=datetime(2026, 3, 2, 14, 4, tzinfo=UTC)))
    (email,) = await smtp.wait_for(1)
    text, html = email_parts(email)
    assert "Relativo a: Atasco de papel" in text
    assert "Producto: SN-4711 · imageRUNNER ADVANCE C3826i" in text
    assert "Ubicación: Calle Mayor 1, Madrid · Planta 2, Recepción" in text and "Recepción" in html
    assert "lunes, 2 de marzo de 2026, 15:04 (Europe/Madrid)" in text  # the response time
