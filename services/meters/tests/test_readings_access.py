"""The readings endpoint answers only for devices the caller may see (local copy of assignments)."""

import pytest

from conftest import create_all
from meters.database import Base
from meters.main import create_app
from meters.settings import Settings
from shared.events import new_event
from shared.events.accounts import DeviceUpserted, Location
from shared.testing import app_client

ACCOUNT, OTHER_ACCOUNT = "acc-1", "acc-2"


def device_event(device_id: str, account_id: str, assigned: list[str]):
    return new_event(
        DeviceUpserted(
            device_id=device_id,
            account_id=account_id,
            serial=f"SN-{device_id}",
            model="iR C3826i",
            model_class="colour",
            counters=["black", "colour"],
            location=Location(),
            response_time_hours=8,
            assigned_user_ids=assigned,
        ),
        source="accounts",
    )


@pytest.fixture
async def client(sqlite_url, jwt_keys):
    await create_all(sqlite_url, Base.metadata)
    app = create_app(Settings(database_url=sqlite_url, amqp_url="memory://", jwt_public_keys=jwt_keys[1]))
    async with app_client(app) as client:
        bus = app.state.bus
        await bus.deliver(device_event("d1", ACCOUNT, ["manager"]))
        await bus.deliver(device_event("d2", ACCOUNT, []))
        await bus.deliver(device_event("d3", OTHER_ACCOUNT, []))
        yield client


@pytest.mark.parametrize(
    "who, device, status",
    [
        ({"memberships": {ACCOUNT: "administrator"}}, "d1", 200),
        ({"memberships": {ACCOUNT: "administrator"}}, "d2", 200),
        ({"memberships": {ACCOUNT: "administrator"}}, "d3", 404),
        ({"memberships": {ACCOUNT: "device_manager"}, "user_id": "manager"}, "d1", 200),
        ({"memberships": {ACCOUNT: "device_manager"}, "user_id": "manager"}, "d2", 404),
        ({"memberships": {ACCOUNT: "knowledge_user"}}, "d1", 404),
        ({"staff_role": "agent"}, "d3", 200),
        ({"memberships": {ACCOUNT: "administrator"}}, "missing", 404),
    ],
)
async def test_visibility_follows_role_and_assignment(client, token_for, who, device, status):
    response = await client.get(
        f"/api/meters/v1/devices/{device}/readings", headers={"Authorization": f"Bearer {token_for(**who)}"}
    )
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["items"] == []
    else:
        assert response.headers["content-type"] == "application/problem+json"


async def test_duplicate_device_event_is_applied_once(client, token_for):
    app_bus = client._transport.app.state.bus
    event = device_event("d1", ACCOUNT, [])
    await app_bus.deliver(event)
    await app_bus.deliver(device_event("d1", ACCOUNT, ["manager"]))
    await app_bus.deliver(event)  # a duplicate of an older event changes nothing
    token = token_for("manager", memberships={ACCOUNT: "device_manager"})
    response = await client.get(
        "/api/meters/v1/devices/d1/readings", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


async def test_tampered_and_unsigned_tokens_are_refused(client, token_for):
    token = token_for(memberships={ACCOUNT: "administrator"})
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload[:-2]}xx.{signature}"
    unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."
    for bad in (tampered, unsigned, token_for(memberships={ACCOUNT: "administrator"}, lifetime_seconds=-60)):
        response = await client.get(
            "/api/meters/v1/devices/d1/readings", headers={"Authorization": f"Bearer {bad}"}
        )
        assert response.status_code == 401, bad
