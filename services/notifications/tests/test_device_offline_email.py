"""The email of a device gone offline (F-71 told at once): to the users the event names, in their language, with
the link to the device's reconnection guide; it has its own preference; the same event twice is one email."""

from datetime import UTC, datetime

from notifications.testing import email_parts
from services.notifications.tests.test_order_and_visit_emails import given_users, service  # noqa: F401
from shared.events import new_event
from shared.events.cases import DeviceWentOffline

PORTAL = "https://portal.example"
GUIDE = "/help/guides?device=SN-4711&category=device_offline"


def went_offline(recipient_ids: list[str]):
    return new_event(
        DeviceWentOffline(
            device_id="dev-1",
            account_id="acc-1",
            serial="SN-4711",
            model="imageRUNNER C3826i",
            offline_since=datetime(2026, 3, 2, 8, 15, tzinfo=UTC),
            recipient_ids=recipient_ids,
            guide_path=GUIDE,
        ),
        source="cases",
    )


async def test_the_managers_are_told_once_in_their_language_with_the_guide(service, smtp, user_upserted):  # noqa: F811
    await given_users(
        service,
        user_upserted,
        {"user_id": "ana", "language": "es", "time_zone": "Europe/Madrid"},
        {"user_id": "asa", "language": "sv", "time_zone": "Europe/Stockholm"},
        {"user_id": "quiet", "preferences": {"device_offline": False}},
    )
    event = went_offline(["ana", "asa", "quiet"])
    await service.deliver(event)
    await service.deliver(event)  # a duplicate
    await smtp.wait_for(2)
    await service.wait_until_settled()

    (spanish,) = smtp.messages(to="ana@customer.example")
    assert spanish["Subject"] == "Su equipo SN-4711 está fuera de línea"
    text, html = email_parts(spanish)
    assert "imageRUNNER C3826i (número de serie SN-4711)" in text and "9:15" in text
    assert f"{PORTAL}{GUIDE}" in text
    assert f'href="{PORTAL}/help/guides?device=SN-4711&amp;category=device_offline"' in html
    assert "Abrir la guía de reconexión" in html

    (swedish,) = smtp.messages(to="asa@customer.example")
    assert swedish["Subject"] == "Din enhet SN-4711 är offline"
    text, _ = email_parts(swedish)
    assert "Guiden för återanslutning" in text and f"{PORTAL}{GUIDE}" in text
    assert [row.kind for row in await service.emails()] == ["device_offline", "device_offline"]
