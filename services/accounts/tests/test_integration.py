"""The critical paths over the real RabbitMQ and PostgreSQL: crm.* events on the vendor exchange become
accounts data and accounts.* events on the portal exchange; login, refresh and logout on PostgreSQL."""

import asyncio
import json

import aio_pika
import pytest

from accounts.main import create_app
from accounts.settings import Settings
from services.accounts.tests.accounts_support import (
    account_event,
    bearer,
    contact_event,
    login,
    product_event,
)
from shared.bus import Bus
from shared.events import PORTAL_EXCHANGE, VENDOR_EXCHANGE
from shared.migrate import upgrade
from shared.testing import (
    amqp_url,
    app_client,
    delete_bus_objects,
    eventually,
    fresh_postgres_database,
    unique_prefix,
)

pytestmark = pytest.mark.integration
API = "/api/accounts/v1"
DEMO_PASSWORD = "integration passphrase 2026"
RETRY_DELAYS_MS = (50, 100, 200)


@pytest.fixture
async def portal(jwt_keys, tmp_path):
    """The accounts app on a fresh PostgreSQL (migrated) and the real broker, plus a queue that sees
    everything accounts publishes on the portal exchange, and a publisher standing in for the CRM."""
    amqp, prefix = amqp_url(), unique_prefix()
    key_file = tmp_path / "jwt-private.pem"
    key_file.write_bytes(jwt_keys[0])
    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, "accounts", url)  # the migration itself, on PostgreSQL
        settings = Settings(
            database_url=url,
            amqp_url=amqp,
            bus_prefix=prefix,
            environment="demo",
            demo_password=DEMO_PASSWORD,
            jwt_private_key_file=str(key_file),
            jwt_public_keys=jwt_keys[1],
            bus_retry_delays_ms=RETRY_DELAYS_MS,
        )
        connection = await aio_pika.connect(amqp)
        crm = Bus(amqp_url=amqp, service="crm-test", prefix=prefix)
        try:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(
                prefix + PORTAL_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
            )
            observed = await channel.declare_queue(exclusive=True, auto_delete=True)
            await observed.bind(exchange, routing_key="accounts.#")
            app = create_app(settings)
            async with app_client(app) as client:
                await crm.connect()
                yield client, crm, observed
        finally:
            await crm.close()
            await connection.close()
            await delete_bus_objects(amqp, prefix, ["accounts"])


async def next_event_of(queue, event_type: str, matches, timeout: float = 30.0) -> dict:
    async def next_match() -> dict | None:
        while message := await queue.get(no_ack=True, fail=False):
            event = json.loads(message.body)
            if event["type"] == event_type and matches(event["data"]):
                return event
        return None

    return await eventually(next_match, timeout, interval=0.1, what=f"a matching {event_type}")


async def test_crm_events_become_devices_users_and_portal_events(portal, token_for):
    client, crm, observed = portal
    # The product arrives before its account: it is retried through the delay queues, not lost.
    await crm.publish(product_event("I-1", "SN-INT-1", "a3_colour"), VENDOR_EXCHANGE)
    await crm.publish(account_event("I-1", "Integration AB"), VENDOR_EXCHANGE)
    await crm.publish(
        contact_event("int@example.com", number="I-1", role="device_manager", serials=["SN-INT-1"]),
        VENDOR_EXCHANGE,
    )
    staff = bearer(token_for(staff_role="agent"))

    async def device_visible():
        items = (await client.get(f"{API}/devices", headers=staff)).json()["items"]
        return [d for d in items if d["serial"] == "SN-INT-1" and d["assigned_user_ids"]]

    device = (await eventually(device_visible, 30, interval=0.2))[0]
    assert device["counters"] == ["black", "colour", "large"] and device["account_name"] == "Integration AB"

    published = await next_event_of(
        observed, "accounts.device.upserted", lambda d: d["serial"] == "SN-INT-1" and d["assigned_user_ids"]
    )
    assert published["data"]["device_id"] == device["id"]
    assert published["source"] == "accounts"
    await next_event_of(observed, "accounts.user.upserted", lambda d: d["email"] == "int@example.com")

    # Demo mode: the contact logs in with the demo password, on PostgreSQL.
    response = await login(client, "int@example.com", DEMO_PASSWORD)
    assert response.status_code == 200, response.text
    tokens = response.json()
    mine = (await client.get(f"{API}/devices", headers=bearer(tokens["access_token"]))).json()["items"]
    assert [d["serial"] for d in mine] == ["SN-INT-1"]
    refreshed = await client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert (
        await client.post(f"{API}/auth/logout", headers=bearer(tokens["access_token"]))
    ).status_code == 204
    assert (
        await client.get(f"{API}/me", headers=bearer(refreshed.json()["access_token"]))
    ).status_code == 401
    await next_event_of(observed, "accounts.session.revoked", lambda d: True)


async def test_login_throttling_is_shared_through_postgresql(portal):
    client, crm, _observed = portal
    await crm.publish(account_event("I-2"), VENDOR_EXCHANGE)
    await crm.publish(contact_event("t@example.com", number="I-2", role="knowledge_user"), VENDOR_EXCHANGE)

    async def can_log_in():
        return (await login(client, "t@example.com", DEMO_PASSWORD)).status_code == 200

    await eventually(can_log_in, 30, interval=0.2)
    for _ in range(5):
        assert (await login(client, "t@example.com", "wrong wrong wrong")).status_code == 401
    throttled = await login(client, "t@example.com", DEMO_PASSWORD)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0


async def test_concurrent_wrong_passwords_are_counted_before_any_is_checked(portal):
    client, crm, _observed = portal
    await crm.publish(account_event("I-5"), VENDOR_EXCHANGE)
    await crm.publish(contact_event("race@example.com", number="I-5", role="knowledge_user"), VENDOR_EXCHANGE)

    async def device_token_of_a_login():
        response = await login(client, "race@example.com", DEMO_PASSWORD)
        return response.json()["device_token"] if response.status_code == 200 else None

    device_token = await eventually(device_token_of_a_login, 30, interval=0.2)
    answers = await asyncio.gather(
        *(login(client, "race@example.com", "wrong wrong wrong") for _ in range(12))
    )
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 7
    # The strangers locked out unknown clients, not the owner on the device that logged in before.
    assert (await login(client, "race@example.com", DEMO_PASSWORD)).status_code == 429
    owner = await login(client, "race@example.com", DEMO_PASSWORD, device_token=device_token)
    assert owner.status_code == 200, owner.text


async def members_ready(client, staff: dict, number: str, emails: list[str]) -> tuple[str, dict]:
    """Wait (as staff, so no failed logins are throttled) until the CRM's contacts are users of the account;
    then the account id and their access tokens by email."""

    async def account_with_members():
        accounts = (await client.get(f"{API}/accounts", headers=staff)).json()["items"]
        account = next((a for a in accounts if a["number"] == number), None)
        if account is None:
            return None
        users = (await client.get(f"{API}/accounts/{account['id']}/users", headers=staff)).json()["items"]
        return account["id"] if set(emails) <= {u["email"] for u in users} else None

    account_id = await eventually(account_with_members, 30, interval=0.2)
    tokens = {}
    for email in emails:
        response = await login(client, email, DEMO_PASSWORD)
        assert response.status_code == 200, response.text
        tokens[email] = bearer(response.json()["access_token"])
    return account_id, tokens


async def test_a_deactivated_user_is_refused_at_once_on_postgresql(portal, token_for):
    client, crm, observed = portal
    await crm.publish(account_event("I-3"), VENDOR_EXCHANGE)
    for email, role in (("boss3@example.com", "administrator"), ("dm3@example.com", "device_manager")):
        await crm.publish(contact_event(email, number="I-3", role=role), VENDOR_EXCHANGE)
    account_id, tokens = await members_ready(
        client, bearer(token_for(staff_role="agent")), "I-3", ["boss3@example.com", "dm3@example.com"]
    )
    boss = tokens["boss3@example.com"]
    dm_id = (await client.get(f"{API}/me", headers=tokens["dm3@example.com"])).json()["id"]

    response = await client.post(f"{API}/accounts/{account_id}/users/{dm_id}/deactivate", headers=boss)
    assert response.status_code == 200, response.text
    assert (await client.get(f"{API}/me", headers=tokens["dm3@example.com"])).status_code == 401
    assert (await login(client, "dm3@example.com", DEMO_PASSWORD)).status_code == 401
    await next_event_of(observed, "accounts.session.revoked", lambda d: d["user_id"] == dm_id)
    await next_event_of(
        observed, "accounts.user.upserted", lambda d: d["user_id"] == dm_id and not d["active"]
    )
    trail = (await client.get(f"{API}/accounts/{account_id}/audit", headers=boss)).json()["items"]
    assert trail[0]["action"] in ("membership.deactivated", "user.deactivated")


async def test_concurrent_invitations_of_one_email_make_one_invitation(portal, token_for):
    client, crm, observed = portal
    await crm.publish(account_event("I-4"), VENDOR_EXCHANGE)
    await crm.publish(contact_event("boss4@example.com", number="I-4", role="administrator"), VENDOR_EXCHANGE)
    account_id, tokens = await members_ready(
        client, bearer(token_for(staff_role="agent")), "I-4", ["boss4@example.com"]
    )
    boss = tokens["boss4@example.com"]
    url = f"{API}/accounts/{account_id}/invitations"
    for email in ("twice@example.com", "boss4-colleague@example.com"):
        answers = await asyncio.gather(
            *(
                client.post(url, headers=boss, json={"email": email, "role": role})
                for role in ("device_manager", "knowledge_user", "stock_manager")
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 409, 409], [a.text for a in answers]
        assert {a.json()["code"] for a in answers if a.status_code == 409} == {"already_invited"}
    users = (await client.get(f"{API}/accounts/{account_id}/users", headers=boss)).json()["items"]
    assert sorted(u["email"] for u in users if u["invited"] and u["role"] != "administrator") == [
        "boss4-colleague@example.com",
        "twice@example.com",
    ]
    await next_event_of(observed, "accounts.invitation.issued", lambda d: d["email"] == "twice@example.com")
