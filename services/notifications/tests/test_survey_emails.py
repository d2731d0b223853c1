"""F-15 in the resolution email: each follower's email carries their own survey link, one per rating (1 to 5),
in their language, with the language of the email in the link; an event without links still makes the email."""

import re
from datetime import UTC, datetime

import pytest

from conftest import create_all
from notifications.database import Base
from notifications.main import create_app
from notifications.testing import email_parts
from services.notifications.tests.test_emails import (
    PORTAL,
    Service,
    given_users,
    settings_for,
    status_changed,
)
from shared.events import new_event
from shared.events.cases import CaseStatusChanged
from shared.testing import app_client


@pytest.fixture
async def service(sqlite_url, jwt_keys, smtp):
    await create_all(sqlite_url, Base.metadata)
    app = create_app(settings_for(sqlite_url, jwt_keys, smtp))
    async with app_client(app) as client:
        yield Service(app, client)


def resolved_with_links(followers: list[str]) -> object:
    return new_event(
        CaseStatusChanged(
            case_id="case-1",
            number="CS-2026-000123",
            account_id="acc-1",
            subject="Paper jam in tray 2",
            old_status="in_progress",
            new_status="resolved",
            changed_by="agent-1",
            changed_by_side="vendor",
            follower_ids=followers,
            changed_at=datetime.now(UTC),
            survey_paths={user: f"/surveys/s1.case-1.{user}.1790000000.sig-{user}" for user in followers},
        ),
        source="cases",
        subject="case-1",
    )


async def test_each_follower_gets_their_own_link_per_rating_in_their_language(service, smtp, user_upserted):
    await given_users(
        service, user_upserted, {"user_id": "ana", "language": "es"}, {"user_id": "asa", "language": "sv"}
    )
    await service.deliver(resolved_with_links(["ana", "asa"]))
    await smtp.wait_for(2)
    await service.wait_until_settled()
    (spanish,) = smtp.messages(to="ana@customer.example")
    text, html = email_parts(spanish)
    assert "¿Qué grado de satisfacción tiene con la gestión de este caso?" in text
    for rating in range(1, 6):
        link = f"{PORTAL}/surveys/s1.case-1.ana.1790000000.sig-ana?rating={rating}&lang=es"
        assert f"Valoración {rating} de 5: {link}" in text
        assert link.replace("&", "&amp;") in html
    assert "sig-asa" not in text + html
    (swedish,) = smtp.messages(to="asa@customer.example")
    text, _ = email_parts(swedish)
    assert "Hur nöjd är du med hur vi hanterade det här ärendet?" in text
    assert f"{PORTAL}/surveys/s1.case-1.asa.1790000000.sig-asa?rating=5&lang=sv" in text
    assert "sig-ana" not in text


async def test_a_resolution_without_links_is_emailed_without_the_question(service, smtp, user_upserted):
    await given_users(service, user_upserted, {"user_id": "ana", "language": "en"})
    await service.deliver(status_changed("case-1", "in_progress", "resolved", ["ana"], "agent-1"))
    await smtp.wait_for(1)
    await service.wait_until_settled()
    (email,) = smtp.messages(to="ana@customer.example")
    text, html = email_parts(email)
    assert "has been resolved" in text
    assert "How satisfied" not in text and not re.search(r"/surveys/", text + html)
