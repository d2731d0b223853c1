"""The sender's connection and its messages: one SMTP connection carries email after email while there is work,
is closed once idle, and is replaced without counting a refusal when the server dropped it; the message is
written out directly and reads back as what was rendered."""

import asyncio
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import aiosmtplib
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, select

from conftest import create_all
from notifications.database import Base
from notifications.emails.mime import mime_message, sender_of
from notifications.emails.models import PENDING, Email
from notifications.emails.render import EmailRenderer
from notifications.emails.sender import EmailSender
from notifications.main import create_app
from notifications.settings import Settings
from notifications.testing import CollectingHandler, SmtpServer
from shared.testing import app_client, eventually


class Service:
    def __init__(self, app) -> None:
        self.app = app

    async def deliver(self, event) -> None:
        await self.app.state.bus.deliver(event)

    async def emails(self, **where) -> list[Email]:
        async with self.app.state.db.session() as session:
            return list((await session.scalars(select(Email).filter_by(**where))).all())

    async def wait_until_settled(self, timeout: float = 10.0) -> None:
        async def none_pending() -> bool:
            return not await self.emails(status=PENDING)

        await eventually(none_pending, timeout, what="no email pending")


async def start_service(sqlite_url, jwt_keys, smtp, **extra):
    await create_all(sqlite_url, Base.metadata)
    app = create_app(
        Settings(
            database_url=sqlite_url,
            amqp_url="memory://",
            jwt_public_keys=jwt_keys[1],
            public_url="https://portal.example",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            **extra,
        )
    )
    return app, app_client(app)


async def given_users(service: Service, user_upserted, *specs: dict) -> None:
    for spec in specs:
        await service.deliver(user_upserted(**spec))


def retries_counted(kind: str) -> float:
    return REGISTRY.get_sample_value("emails_total", {"kind": kind, "outcome": "retry"}) or 0.0


async def assert_next_email_sent_on_a_new_connection(service: Service, smtp, case_created) -> None:
    """The next email goes out on its first attempt over a fresh connection, with no refusal counted."""
    retries = retries_counted("case_created")
    event = case_created(["ann"], number="CS-2026-000002")
    await service.deliver(event)
    await smtp.wait_for(2)
    await service.wait_until_settled()
    (row,) = await service.emails(event_id=event.id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert retries_counted("case_created") == retries
    assert smtp.connections() == 2


async def test_one_connection_carries_the_emails_of_one_pass_after_another(
    sqlite_url, jwt_keys, smtp, user_upserted, case_created
):
    app, client = await start_service(sqlite_url, jwt_keys, smtp)
    async with client:
        service = Service(app)
        await given_users(service, user_upserted, {"user_id": "ann"})
        for n in range(1, 4):  # each email queued only once the one before arrived: a pass of its own
            await service.deliver(case_created(["ann"], number=f"CS-2026-00000{n}"))
            await smtp.wait_for(n)
        await service.wait_until_settled()
        assert smtp.connections() == 1 and smtp.handler.quits == 0
    assert smtp.handler.quits == 1  # closed politely at shutdown


class SlowHandler(CollectingHandler):
    """A slow mail server: it takes a while before it accepts each message, and accepts nothing from a client
    that went away meanwhile (aiosmtpd cancels the handler)."""

    delay_seconds = 0.5
    receiving = 0  # messages whose data arrived, accepted or not yet

    async def handle_DATA(self, server, session, envelope) -> str:
        self.receiving += 1
        await asyncio.sleep(self.delay_seconds)
        return await super().handle_DATA(server, session, envelope)


async def kill(sender: EmailSender) -> None:
    """As a SIGKILL would: no more of its code runs, nothing uncommitted is kept, its connection drops."""
    sender._task.cancel()
    sender._smtp.close()
    await asyncio.gather(sender._task, return_exceptions=True)


async def test_an_email_the_server_accepted_is_not_sent_again_after_a_crash_in_the_middle_of_a_batch(
    sqlite_url, jwt_keys, user_upserted, case_created
):
    smtp = SmtpServer()
    smtp.handler = SlowHandler()
    smtp.start()
    app, client = await start_service(sqlite_url, jwt_keys, smtp)
    try:
        async with client:
            service = Service(app)
            await given_users(
                service, user_upserted, {"user_id": "ann"}, {"user_id": "bo"}, {"user_id": "cy"}
            )
            await service.deliver(case_created(["ann", "bo", "cy"]))
            # The crash comes while the slow server takes the second email, however late this test gets to it.
            await eventually(
                lambda: smtp.handler.receiving == 2,
                interval=0.01,
                what="the second email's data at the server",
            )
            await kill(app.state.email_senders[0])
            restarted = EmailSender(
                app.state.db, app.state.email_senders[0].settings, app.state.postbox.pending
            )
            restarted.start()
            try:
                await service.wait_until_settled()
            finally:
                await restarted.stop()
    finally:
        smtp.stop()
    message_ids = [message["Message-ID"] for message in smtp.messages()]
    assert len(message_ids) == 3 and len(set(message_ids)) == 3, message_ids


async def test_a_connection_idle_for_the_keepalive_time_is_closed(
    sqlite_url, jwt_keys, smtp, user_upserted, case_created
):
    app, client = await start_service(sqlite_url, jwt_keys, smtp, smtp_keepalive_seconds=0.2)
    async with client:
        service = Service(app)
        await given_users(service, user_upserted, {"user_id": "ann"})
        await service.deliver(case_created(["ann"], number="CS-2026-000001"))
        await smtp.wait_for(1)
        await eventually(
            lambda: smtp.handler.quits == 1, timeout=3, interval=0.02, what="the idle connection to be closed"
        )
        await service.deliver(case_created(["ann"], number="CS-2026-000002"))
        await smtp.wait_for(2)
        assert smtp.connections() == 2


async def test_a_kept_connection_the_server_dropped_is_replaced_without_a_refusal(
    sqlite_url, jwt_keys, smtp, user_upserted, case_created
):
    app, client = await start_service(sqlite_url, jwt_keys, smtp)
    async with client:
        service = Service(app)
        await given_users(service, user_upserted, {"user_id": "ann"})
        await service.deliver(case_created(["ann"], number="CS-2026-000001"))
        await smtp.wait_for(1)
        smtp.stop()  # the server goes away with the connection the sender keeps, and comes back
        smtp.start()
        await assert_next_email_sent_on_a_new_connection(service, smtp, case_created)


async def test_a_kept_connection_found_dead_only_when_sending_is_replaced_without_a_refusal(
    sqlite_url, jwt_keys, smtp, user_upserted, case_created
):
    app, client = await start_service(sqlite_url, jwt_keys, smtp)
    async with client:
        service = Service(app)
        await given_users(service, user_upserted, {"user_id": "ann"})
        await service.deliver(case_created(["ann"], number="CS-2026-000001"))
        await smtp.wait_for(1)

        async def dead(*_args, **_kwargs):  # the socket looked open, but the server is gone
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")

        app.state.email_senders[0]._smtp.sendmail = dead
        await assert_next_email_sent_on_a_new_connection(service, smtp, case_created)


async def test_a_refusal_on_a_kept_connection_is_retried_with_backoff(
    sqlite_url, jwt_keys, smtp, user_upserted, case_created
):
    app, client = await start_service(sqlite_url, jwt_keys, smtp)
    async with client:
        service = Service(app)
        await given_users(service, user_upserted, {"user_id": "ann"})
        await service.deliver(case_created(["ann"], number="CS-2026-000001"))
        await smtp.wait_for(1)
        smtp.handler.refusals = 1
        event = case_created(["ann"], number="CS-2026-000002")
        await service.deliver(event)
        await smtp.wait_for(2)
        await service.wait_until_settled()
        (row,) = await service.emails(event_id=event.id)
        assert (row.status, row.attempts) == ("sent", 2) and "451" in row.last_error


# --- the message itself ---------------------------------------------------------------------------------------

FROM_HEADER, ENVELOPE_SENDER = sender_of("Portal de Autoservicio Ñ <no-reply@selfservice.example>")


def written(**values) -> bytes:
    message = {
        "from_header": FROM_HEADER,
        "to_name": "Ann",
        "to_address": "ann@customer.example",
        "subject": "Case CS-2026-000123",
        "date": "Mon, 05 Jan 2026 15:04:00 +0000",
        "message_id": "<id-1@selfservice.example>",
        "language": "en",
        "text": "Hello\n",
        "html": "<p>Hi</p>\n",
    }
    return mime_message(**{**message, **values})


@pytest.mark.parametrize(
    "name",
    [
        "Ann",
        "José Ñúñez",
        "Núñez, José",
        'Ann "the boss" \\ Smith',
        "Ann Bcc: victim@else.example",
        "Åsa " * 40,
    ],
)
@pytest.mark.parametrize("language", ["en", "es", "sv"])
def test_the_message_reads_back_as_rendered_in_every_language(name, language):
    renderer = EmailRenderer("https://portal.example")
    rendered = renderer.render(
        "case_status_changed",
        language=language,
        time_zone="Europe/Madrid",
        link_path="/cases/c-1",
        name=name,
        number="CS-2026-000123",
        subject="Atasco = bandeja «2» " + "ñ" * 90,
        old_status="new",
        new_status="waiting_for_customer",
    )
    text = rendered.text + "Trailing spaces   \n.\n" + "x" * 200 + "\n"
    raw = written(to_name=name, subject=rendered.subject, language=language, text=text, html=rendered.html)
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 78

    message = message_from_bytes(raw, policy=policy.default)
    assert not [part.defects for part in message.walk() if part.defects]
    assert str(message["Subject"]) == rendered.subject
    assert message["To"].addresses[0].addr_spec == "ann@customer.example"
    raw_to = message_from_bytes(raw, policy=policy.compat32)["To"]
    assert (
        name in str(make_header(decode_header(raw_to))).replace('\\"', '"').replace("\\\\", "\\")
        or message["To"].addresses[0].display_name == name
    )
    assert message["From"].addresses[0].display_name == "Portal de Autoservicio Ñ"
    assert (message["Message-ID"], message["Content-Language"], message["Auto-Submitted"]) == (
        "<id-1@selfservice.example>",
        language,
        "auto-generated",
    )
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert message.get_body(("html",)).get_content().replace("\r\n", "\n") == rendered.html


def test_short_ascii_lines_go_as_they_are():
    raw = written(text="Hello Ann,\nyour case moved.\n", html="<p>Hello</p>\n").decode()
    assert "Content-Transfer-Encoding: 7bit\r\n\r\nHello Ann,\r\nyour case moved.\r\n" in raw


@pytest.mark.parametrize("field", ["to_address", "to_name", "subject", "language", "message_id"])
def test_a_line_break_in_any_header_value_is_refused(field):
    with pytest.raises(ValueError):
        written(**{field: "ann@customer.example\r\nBcc: victim@else.example"})


def test_an_address_that_could_not_go_on_the_smtp_command_line_is_refused():
    with pytest.raises(ValueError):
        written(to_address="ann smith@customer.example")
    assert ENVELOPE_SENDER == "no-reply@selfservice.example"


def claims_counted(app) -> list[str]:
    """The sender's claims of a due email, as they are executed."""
    claims: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("SELECT email.id") and "ORDER BY email.next_attempt_at" in statement:
            claims.append(statement)

    event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", note)
    return claims


async def test_a_pass_claims_no_further_email_once_the_last_due_one_is_recorded(
    sqlite_url, jwt_keys, smtp, user_upserted, case_created
):
    app, client = await start_service(sqlite_url, jwt_keys, smtp)
    async with client:
        service = Service(app)
        await given_users(service, user_upserted, {"user_id": "ann"}, {"user_id": "bob"})
        claims = claims_counted(app)
        await service.deliver(case_created(["ann"], number="CS-2026-000001"))
        await smtp.wait_for(1)
        await service.wait_until_settled()
        assert len(claims) == 1  # the email's own: recording it told that nothing else was due
        await service.deliver(case_created(["ann", "bob"], number="CS-2026-000002"))  # two in one commit
        await smtp.wait_for(3)
        await service.wait_until_settled()
        assert len(claims) == 3  # one each: the first one's record told that the second was due
