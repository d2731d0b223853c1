"""F-60 for meter readings (F-23, F-25) on SQLite and the in-memory bus with a real SMTP server: reading received,
readings requested and the reminder, in the recipient's language with the link, respecting preferences; automatic
readings are never emailed and a duplicate event gives one email."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from conftest import create_all
from notifications.database import Base
from notifications.devices.models import DeviceCopy
from notifications.emails.handlers import RecipientsNotKnownYet
from notifications.emails.models import Email
from notifications.main import create_app
from notifications.settings import Settings
from notifications.testing import email_parts
from shared.events import new_event
from shared.events.accounts import DeviceRemoved, DeviceUpserted, Location
from shared.events.meters import ReadingAccepted, ReadRequestOpened, ReadRequestReminded, RequestedDevice
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


def reading_accepted(recipients: list[str], *, source: str = "customer", device_id: str = "dev-1"):
    return new_event(
        ReadingAccepted(
            reading_id=str(uuid.uuid4()),
            device_id=device_id,
            account_id="acc-1",
            serial="SN-4711",
            local_date=date(2026, 3, 2),
            read_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC),
            counters={"black": 123456, "colour": 7890},
            source=source,
            submitted_by=recipients[0] if recipients else None,
            recipient_ids=recipients,
        ),
        source="meters",
        subject=device_id,
    )


def read_request(event_class, recipients: list[str], assigned: dict[str, list[str]] | None = None):
    """Both devices described, each assigned to every recipient unless `assigned` says otherwise."""
    assigned = assigned or {"dev-1": recipients, "dev-2": recipients}
    return new_event(
        event_class(
            request_id="req-1",
            account_id="acc-1",
            device_ids=["dev-1", "dev-2"],
            serials=["SN-4711", "SN-0815"],
            due_date=date(2026, 3, 31),
            recipient_ids=recipients,
            link_path="/readings/due",
            devices=[
                RequestedDevice(
                    device_id="dev-1",
                    serial="SN-4711",
                    model="imageRUNNER ADVANCE C3826i",
                    last_reading_date=date(2026, 3, 2),
                    last_counters={"black": 123456, "colour": 7890},
                    assigned_user_ids=assigned.get("dev-1", []),
                ),
                RequestedDevice(
                    device_id="dev-2",
                    serial="SN-0815",
                    model="i-SENSYS X 1238i",
                    assigned_user_ids=assigned.get("dev-2", []),
                ),
            ],
        ),
        source="meters",
        subject="req-1",
    )


def device_upserted(
    device_id: str = "dev-1", serial: str = "SN-4711", assigned: list[str] | None = None, version=0
):
    return new_event(
        DeviceUpserted(
            device_id=device_id,
            account_id="acc-1",
            serial=serial,
            model="imageRUNNER ADVANCE C3826i",
            model_class="colour",
            counters=["black", "colour"],
            location=Location(street="Calle Mayor 1", city="Madrid", floor="Planta 2", room="Recepción"),
            response_time_hours=8,
            assigned_user_ids=assigned or [],
            version=version,
        ),
        source="accounts",
    )


async def test_a_late_older_device_snapshot_keeps_the_newer_assignment(service):
    await service.deliver(device_upserted(serial="SN-2", assigned=["ana"], version=2))
    await service.deliver(device_upserted(serial="SN-1", assigned=[], version=1))  # committed late
    await service.deliver(
        device_upserted(serial="SN-X", assigned=["bo"], version=2)
    )  # the same version again
    async with service.app.state.db.session() as session:
        device = await session.get(DeviceCopy, "dev-1")
    assert (device.serial, device.assigned_user_ids, device.version) == ("SN-2", ["ana"], 2)
    await service.deliver(device_upserted(serial="SN-3", assigned=["bo"], version=3))
    async with service.app.state.db.session() as session:
        device = await session.get(DeviceCopy, "dev-1")
    assert (device.serial, device.assigned_user_ids) == ("SN-3", ["bo"])
    removal = new_event(DeviceRemoved(device_id="dev-1", account_id="acc-1", version=5), source="accounts")
    await service.deliver(removal)
    await service.deliver(device_upserted(serial="SN-4", assigned=["bo"], version=4))  # published before it
    async with service.app.state.db.session() as session:
        device = await session.get(DeviceCopy, "dev-1")
    assert (device.active, device.assigned_user_ids, device.version) == (False, [], 5)


async def test_reading_received_in_spanish_and_swedish_with_the_device_link(service, smtp, user_upserted):
    # A local day is shown as it is, never moved by the recipient's zone (Bogotá is behind UTC).
    await given_users(
        service,
        user_upserted,
        {"user_id": "ana", "language": "es", "time_zone": "America/Bogota"},
        {"user_id": "asa", "language": "sv", "time_zone": "Europe/Stockholm"},
    )
    await service.deliver(reading_accepted(["ana", "asa"]))
    await smtp.wait_for(2)
    link = f"{PORTAL}/devices/dev-1"

    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "Lectura de contador recibida de SN-4711"
    text, html = email_parts(spanish)
    assert "Hemos recibido la lectura de contador del producto SN-4711 del 2 de marzo de 2026:" in text
    assert "- Blanco y negro: 123.456" in text and "- Color: 7.890" in text
    assert (
        link in text and f'href="{link}"' in html and '<html lang="es">' in html and "Blanco y negro" in html
    )

    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Mätarställning mottagen för SN-4711"
    text, html = email_parts(swedish)
    assert "mätarställningen för enheten SN-4711 den 2 mars 2026:" in text
    assert "- Svartvitt: 123\u00a0456" in text and "- Färg: 7\u00a0890" in text
    assert link in text and f'href="{link}"' in html


async def test_automatic_readings_are_not_emailed_and_preferences_are_respected(service, smtp, user_upserted):
    await given_users(
        service,
        user_upserted,
        {"user_id": "keen"},
        {"user_id": "quiet", "preferences": {"reading_accepted": False}},
        {"user_id": "gone", "active": False},
    )
    automatic = reading_accepted(["keen"], source="automatic")
    await service.deliver(automatic)
    await service.deliver(reading_accepted(["keen", "quiet", "gone"], source="agent"))
    (message,) = await smtp.wait_for(1)
    await service.wait_until_settled()
    assert message["To"] == "Keen <keen@customer.example>"
    assert message["Subject"] == "Meter reading received for SN-4711"
    assert await service.emails(event_id=automatic.id) == []
    assert [row.recipient for row in await service.emails()] == ["keen@customer.example"]


async def test_reading_requested_in_spanish_and_swedish_with_serials_due_date_and_link(
    service, smtp, user_upserted
):
    await given_users(
        service, user_upserted, {"user_id": "ana", "language": "es"}, {"user_id": "asa", "language": "sv"}
    )
    await service.deliver(device_upserted())
    await service.deliver(read_request(ReadRequestOpened, ["ana", "asa"]))
    await smtp.wait_for(2)
    link = f"{PORTAL}/readings/due"

    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "Lecturas de contador solicitadas hasta el 31 de marzo de 2026"
    text, html = email_parts(spanish)
    assert "Envíenos las lecturas de contador de estos productos antes del 31 de marzo de 2026:" in text
    # Each device with its model, where it stands and its latest reading.
    assert "- SN-4711 · imageRUNNER ADVANCE C3826i" in text
    assert "Ubicación: Calle Mayor 1, Madrid · Planta 2, Recepción" in text
    assert "Última lectura el 2 de marzo de 2026: Blanco y negro 123.456, Color 7.890" in text
    assert "- SN-0815 · i-SENSYS X 1238i" in text and "Aún no hay ninguna lectura." in text
    assert "<strong>SN-0815</strong>" in html and "Recepción" in html
    assert link in text and f'href="{link}"' in html

    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Mätarställningar begärs senast 31 mars 2026"
    text, html = email_parts(swedish)
    assert "Senaste avläsning 2 mars 2026: Svartvitt 123\u00a0456, Färg 7\u00a0890" in text
    assert "- SN-0815 · i-SENSYS X 1238i" in text and link in text and f'href="{link}"' in html


async def test_a_reading_request_lists_only_the_devices_the_reader_may_see(service, smtp, user_upserted):
    await given_users(
        service,
        user_upserted,
        {"user_id": "dora"},
        {"user_id": "boss", "role": "administrator"},
        {"user_id": "stranger"},
    )
    assigned = {"dev-1": ["dora"], "dev-2": []}
    await service.deliver(read_request(ReadRequestOpened, ["dora", "boss", "stranger"], assigned))
    await smtp.wait_for(2)
    await service.wait_until_settled()
    (manager,) = smtp.messages(to="dora@customer.example")
    text, _ = email_parts(manager)
    assert "SN-4711" in text and "SN-0815" not in text  # a serial she cannot open is not listed
    (administrator,) = smtp.messages(to="boss@customer.example")
    text, _ = email_parts(administrator)
    assert "SN-4711" in text and "SN-0815" in text  # an administrator sees every device of the account
    assert smtp.messages(to="stranger@customer.example") == []  # none is theirs: no email


async def test_the_reminder_names_the_due_date_and_respects_the_request_preference(
    service, smtp, user_upserted
):
    await given_users(
        service,
        user_upserted,
        {"user_id": "ana", "language": "es"},
        {"user_id": "asa", "language": "sv"},
        {"user_id": "bo"},
        {"user_id": "quiet", "preferences": {"reading_requested": False, "reading_accepted": True}},
    )
    await service.deliver(read_request(ReadRequestReminded, ["ana", "asa", "bo", "quiet"]))
    await smtp.wait_for(3)
    await service.wait_until_settled()
    assert smtp.messages(to="quiet@customer.example") == []
    (english,) = smtp.messages(to="bo@customer.example")
    assert english["Subject"] == "Reminder: meter readings due by March 31, 2026"
    (spanish,) = smtp.messages(to="ana@customer.example")
    # Long subjects are folded onto the next header line; the parser keeps the fold's leading space.
    assert (
        spanish["Subject"].strip()
        == "Recordatorio: lecturas de contador pendientes hasta el 31 de marzo de 2026"
    )
    text, html = email_parts(spanish)
    assert "Aún no hemos recibido las lecturas" in text and f"{PORTAL}/readings/due" in text
    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Påminnelse: mätarställningar ska lämnas senast 31 mars 2026"
    _, html = email_parts(swedish)
    assert "Vi har ännu inte fått mätarställningarna" in html and f'href="{PORTAL}/readings/due"' in html
    assert {row.kind for row in await service.emails()} == {"read_request_reminded"}


async def test_a_duplicate_event_gives_one_email(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "ann"})
    accepted, opened = reading_accepted(["ann"]), read_request(ReadRequestOpened, ["ann"])
    for event in (accepted, accepted, opened, opened):
        await service.deliver(event)
    await smtp.wait_for(2)
    await service.wait_until_settled()
    assert len(smtp.messages()) == 2
    assert (
        len(await service.emails(event_id=accepted.id)) == 1
        and len(await service.emails(event_id=opened.id)) == 1
    )


async def test_an_unknown_recipient_makes_the_request_retry_until_the_user_arrives(
    service, smtp, user_upserted
):
    event = read_request(ReadRequestOpened, ["newcomer"])
    with pytest.raises(RecipientsNotKnownYet):
        await service.deliver(event)
    await service.deliver(user_upserted("newcomer", language="sv"))
    await service.deliver(event)
    (message,) = await smtp.wait_for(1)
    assert message["Subject"].startswith("Mätarställningar begärs")
