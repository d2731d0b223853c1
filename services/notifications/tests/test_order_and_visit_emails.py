"""F-60 for consumables orders (F-30) and technician visits (F-32), and invitations sent by an account's
administrator, on SQLite and the in-memory bus with a real SMTP server: in the recipient's language with the case
link, respecting preferences; a duplicate event gives one email."""

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from conftest import create_all
from notifications.database import Base
from notifications.emails.handlers import RecipientsNotKnownYet
from notifications.emails.models import Email
from notifications.main import create_app
from notifications.settings import Settings
from notifications.testing import email_parts
from shared.events import new_event
from shared.events.accounts import InvitationIssued
from shared.events.cases import OrderShipped, VisitUpdated
from shared.testing import app_client, eventually

PORTAL = "https://portal.example"
CASE_ID = "5f0c1a52-2d7e-4c8b-9a57-0c0e8f3a9b11"
CASE_LINK = f"{PORTAL}/cases/{CASE_ID}"


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient

    async def deliver(self, event) -> None:
        await self.app.state.bus.deliver(event)

    async def emails(self, **where) -> list[Email]:
        async with self.app.state.db.session() as session:
            query = select(Email).order_by(Email.created_at, Email.recipient)
            for column, value in where.items():
                query = query.where(getattr(Email, column) == value)
            return list((await session.scalars(query)).all())

    async def wait_until_settled(self, timeout: float = 10.0) -> None:
        """Poll until no email is pending: everything queued has been sent (or given up)."""

        async def none_pending() -> bool:
            return not await self.emails(status="pending")

        await eventually(none_pending, timeout, what="no email pending")


async def given_users(service: Service, user_upserted, *specs: dict) -> None:
    for spec in specs:
        await service.deliver(user_upserted(**spec))


@pytest.fixture
async def service(sqlite_url, jwt_keys, smtp):
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
    async with app_client(app) as client:
        yield Service(app, client)


def order_shipped(
    followers: list[str],
    *,
    tracking_reference: str | None = "1Z 999 AA1 01 2345 6784",
    carrier: str | None = "DHL Express",
):
    return new_event(
        OrderShipped(
            case_id=CASE_ID,
            number="CS-2026-000200",
            account_id="acc-1",
            device_id="dev-1",
            subject="Black toner for SN-4711",
            tracking_reference=tracking_reference,
            carrier=carrier,
            follower_ids=followers,
            shipped_at=datetime(2026, 6, 1, 14, 0, tzinfo=UTC),
        ),
        source="cases",
        subject=CASE_ID,
    )


def visit_updated(
    followers: list[str],
    *,
    status: str = "scheduled",
    scheduled_for: datetime | None = datetime(2026, 6, 3, 7, 30, tzinfo=UTC),
    technician: str | None = "Lars Berg",
):
    return new_event(
        VisitUpdated(
            case_id=CASE_ID,
            number="CS-2026-000201",
            account_id="acc-1",
            device_id="dev-1",
            subject="Move SN-4711 to the 3rd floor",
            type="relocation",
            status=status,
            scheduled_for=scheduled_for,
            technician=technician,
            follower_ids=followers,
            at=datetime(2026, 5, 28, 9, 0, tzinfo=UTC),
        ),
        source="cases",
        subject=CASE_ID,
    )


# --- order shipped -----------------------------------------------------------------------------------------


async def test_order_shipped_in_spanish_and_swedish_with_tracking_reference_carrier_and_case_link(
    service, smtp, user_upserted
):
    await given_users(
        service, user_upserted, {"user_id": "ana", "language": "es"}, {"user_id": "asa", "language": "sv"}
    )
    await service.deliver(order_shipped(["ana", "asa"]))
    await smtp.wait_for(2)

    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "Hemos enviado su pedido CS-2026-000200"
    text, html = email_parts(spanish)
    assert "Hemos enviado su pedido CS-2026-000200 (Black toner for SN-4711)." in text
    assert "Número de seguimiento: 1Z 999 AA1 01 2345 6784\nTransportista: DHL Express" in text
    assert "<strong>Número de seguimiento: 1Z 999 AA1 01 2345 6784</strong>" in html
    assert CASE_LINK in text and f'href="{CASE_LINK}"' in html and '<html lang="es">' in html

    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Din beställning CS-2026-000200 har skickats"
    text, html = email_parts(swedish)
    assert "Spårningsnummer: 1Z 999 AA1 01 2345 6784\nTransportör: DHL Express" in text
    assert "Spårningsnummer: 1Z 999 AA1 01 2345 6784" in html and "Visa beställningen" in html
    assert CASE_LINK in text and f'href="{CASE_LINK}"' in html
    # The carrier is known: its tracking page for this parcel, in both parts.
    tracking = (
        "https://www.dhl.com/global-en/home/tracking.html?tracking-id=1Z%20999%20AA1%2001%202345%206784"
    )
    assert f"Följ paketet på transportörens webbplats: {tracking}" in text and f'href="{tracking}"' in html
    assert {row.kind for row in await service.emails()} == {"order_shipped"}


async def test_an_unknown_carrier_gets_no_tracking_link(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "ana", "language": "en"})
    await service.deliver(order_shipped(["ana"], carrier="Pedro's Vans"))
    await smtp.wait_for(1)
    (email,) = smtp.messages(to="ana@customer.example")
    text, html = email_parts(email)
    assert (
        "Carrier: Pedro's Vans" in text
        and "carrier's website" not in text
        and "carrier&#39;s website" not in html
    )


async def test_order_shipped_respects_its_own_preference_and_skips_inactive_users(
    service, smtp, user_upserted
):
    await given_users(
        service,
        user_upserted,
        {"user_id": "keen", "preferences": {"case_status_changed": False}},
        {"user_id": "quiet", "preferences": {"order_shipped": False}},
        {"user_id": "gone", "active": False},
    )
    await service.deliver(order_shipped(["keen", "quiet", "gone"], tracking_reference=None, carrier=None))
    (message,) = await smtp.wait_for(1)
    await service.wait_until_settled()
    assert message["To"] == "Keen <keen@customer.example>"
    assert message["Subject"] == "Your order CS-2026-000200 has shipped"
    text, html = email_parts(message)
    # Without a reference or carrier the email says so much and no more: no empty labels.
    assert "Tracking reference" not in text and "Carrier" not in html and CASE_LINK in text
    assert [row.recipient for row in await service.emails()] == ["keen@customer.example"]


# --- technician visit --------------------------------------------------------------------------------------


async def test_visit_scheduled_in_spanish_and_swedish_with_date_in_their_zone_technician_and_link(
    service, smtp, user_upserted
):
    await given_users(
        service,
        user_upserted,
        {"user_id": "ana", "language": "es", "time_zone": "Europe/Madrid"},
        {"user_id": "asa", "language": "sv", "time_zone": "Europe/Stockholm"},
    )
    await service.deliver(visit_updated(["ana", "asa"]))
    await smtp.wait_for(2)

    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "Visita técnica programada para el 3 de junio de 2026"
    text, html = email_parts(spanish)
    assert (
        "Un técnico le visitará por su caso CS-2026-000201 (Move SN-4711 to the 3rd floor) "
        "el 3 de junio de 2026, 9:30 (Europe/Madrid)."
    ) in text
    assert "Técnico: Lars Berg" in text and "<strong>Técnico: Lars Berg</strong>" in html
    assert CASE_LINK in text and f'href="{CASE_LINK}"' in html

    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Teknikerbesök inbokat den 3 juni 2026"
    text, html = email_parts(swedish)
    assert "den 3 juni 2026 09:30 (Europe/Stockholm)" in text and "Tekniker: Lars Berg" in text
    assert CASE_LINK in text and f'href="{CASE_LINK}"' in html and '<html lang="sv">' in html
    assert {row.kind for row in await service.emails()} == {"visit_scheduled"}


async def test_visit_without_a_date_yet_says_it_will_be_confirmed(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "ana", "language": "es"})
    await service.deliver(visit_updated(["ana"], scheduled_for=None, technician=None))
    (message,) = await smtp.wait_for(1)
    assert message["Subject"] == "Visita técnica programada para el caso CS-2026-000201"
    text, _ = email_parts(message)
    assert "le confirmaremos la fecha" in text and "Técnico" not in text and CASE_LINK in text


async def test_visit_follows_the_status_change_preference_and_only_the_appointment_is_emailed(
    service, smtp, user_upserted
):
    await given_users(
        service,
        user_upserted,
        {"user_id": "keen", "preferences": {"order_shipped": False}},
        {"user_id": "quiet", "preferences": {"case_status_changed": False}},
    )
    on_site, done = (
        visit_updated(["keen", "quiet"], status="on_site"),
        visit_updated(["keen", "quiet"], status="done"),
    )
    for event in (on_site, done, visit_updated(["keen", "quiet"])):
        await service.deliver(event)
    (message,) = await smtp.wait_for(1)
    await service.wait_until_settled()
    assert message["To"] == "Keen <keen@customer.example>"
    assert message["Subject"] == "A technician visit is scheduled for June 3, 2026"
    assert [row.recipient for row in await service.emails()] == ["keen@customer.example"]


# --- sent once ---------------------------------------------------------------------------------------------


async def test_a_duplicate_shipment_or_visit_event_gives_one_email(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "ann"})
    shipped, visit = order_shipped(["ann"]), visit_updated(["ann"])
    for event in (shipped, shipped, visit, visit):
        await service.deliver(event)
    await smtp.wait_for(2)
    await service.wait_until_settled()
    assert len(smtp.messages()) == 2
    assert (
        len(await service.emails(event_id=shipped.id)) == 1
        and len(await service.emails(event_id=visit.id)) == 1
    )


async def test_an_unknown_follower_makes_the_shipment_retry_until_the_user_arrives(
    service, smtp, user_upserted
):
    event = order_shipped(["newcomer"])
    with pytest.raises(RecipientsNotKnownYet):
        await service.deliver(event)
    await service.deliver(user_upserted("newcomer", language="sv"))
    await service.deliver(event)
    (message,) = await smtp.wait_for(1)
    assert message["Subject"] == "Din beställning CS-2026-000200 har skickats"


# --- invitation by an administrator ------------------------------------------------------------------------


def invitation_issued(token: str, **extra):
    """What accounts publishes when an administrator invites someone; `extra` stands for fields a newer
    contract may add, which this service must take in its stride."""
    event = new_event(
        InvitationIssued(
            invitation_id="inv-7",
            account_id="acc-1",
            account_name="Acme AB",
            email="Nils.Nilsson@Customer.example",
            name="nils.nilsson",
            language="sv",
            role="device_manager",
            link_path=f"/invitations/{token}",
            expires_at=datetime(2026, 6, 8, 10, 30, tzinfo=UTC),
        ),
        source="accounts",
        subject="user-nils",
    )
    event.data.update(extra)
    return event


async def test_an_invitation_from_an_administrator_reaches_the_new_user_already_in_the_local_copy(
    service, smtp, user_upserted
):
    # The administrator's invitation creates the user at once (active, named after the address), so its
    # accounts.user.upserted may arrive first; the invitation is a security message and ignores preferences.
    await given_users(
        service,
        user_upserted,
        {
            "user_id": "user-nils",
            "email": "nils.nilsson@customer.example",
            "name": "nils.nilsson",
            "language": "sv",
            "time_zone": "Europe/Stockholm",
            "preferences": {"invitation": False, "case_created": False},
        },
    )
    first = invitation_issued("first", device_ids=["dev-1"], invited_by="admin-1")
    await service.deliver(first)
    (message,) = await smtp.wait_for(1)
    assert message["Subject"] == "Inbjudan till Self Service-portalen för Acme AB"
    text, html = email_parts(message)
    assert text.startswith("Hej nils.nilsson!")
    assert "med rollen Enhetsansvarig" in text
    assert "Inbjudan gäller till och med 8 juni 2026 12:30 (Europe/Stockholm)." in text
    assert f"{PORTAL}/invitations/first" in text and f'href="{PORTAL}/invitations/first"' in html

    # Invited again after a cancellation: the same invitation row, a new event and a new link.
    again = invitation_issued("second")
    await service.deliver(again)
    await service.deliver(again)
    await smtp.wait_for(2)
    await service.wait_until_settled()
    assert len(smtp.messages()) == 2
    assert f"{PORTAL}/invitations/second" in email_parts(smtp.messages()[1])[0]
    assert [row.kind for row in await service.emails()] == ["invitation", "invitation"]
