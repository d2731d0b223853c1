"""Fixtures of the notifications tests: a real SMTP server and builders of the events this service consumes."""

import uuid
from datetime import UTC, datetime

import pytest

from notifications.testing import SmtpServer
from shared.events import CloudEvent, new_event
from shared.events.accounts import Membership, UserUpserted
from shared.events.cases import CaseCreated


@pytest.fixture
def smtp() -> SmtpServer:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def build_user_event(
    user_id: str,
    *,
    language: str = "en",
    time_zone: str = "UTC",
    active: bool = True,
    preferences: dict[str, bool] | None = None,
    email: str | None = None,
    name: str | None = None,
    at: datetime | None = None,
    account_id: str | None = "acc-1",
    role: str = "device_manager",
    version: int = 0,
) -> CloudEvent:
    event = new_event(
        UserUpserted(
            user_id=user_id,
            email=email or f"{user_id}@customer.example",
            name=name or user_id.title(),
            language=language,
            time_zone=time_zone,
            active=active,
            memberships=[Membership(account_id=account_id, role=role)] if account_id else [],
            notification_preferences=preferences or {},
            version=version,
        ),
        source="accounts",
    )
    if at is not None:
        event.time = at
    return event


def build_case_created(
    follower_ids: list[str],
    *,
    case_id: str | None = None,
    number: str = "CS-2026-000123",
    subject: str = "Paper jam in tray 2",
    due: datetime | None = None,
    outside_business_hours: bool = False,
) -> CloudEvent:
    case_id = case_id or str(uuid.uuid4())
    return new_event(
        CaseCreated(
            case_id=case_id,
            number=number,
            account_id="acc-1",
            device_id="dev-1",
            type="incident",
            category="paper_jam",
            subject=subject,
            status="new",
            department="technical_support",
            created_by=follower_ids[0],
            follower_ids=follower_ids,
            created_at=datetime.now(UTC),
            response_due_at=due,
            received_outside_business_hours=outside_business_hours,
        ),
        source="cases",
        subject=case_id,
    )


@pytest.fixture
def user_upserted():
    """user_upserted("ana", language="es", ...) -> an accounts.user.upserted CloudEvent."""
    return build_user_event


@pytest.fixture
def case_created():
    """case_created(["ana", "bo"], due=...) -> a cases.case.created CloudEvent."""
    return build_case_created
