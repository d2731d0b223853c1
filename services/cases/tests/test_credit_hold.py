"""F-41: while an account's credit is on hold, its consumables orders wait for an agent's release. The customer is
told only that the order is being reviewed, never the credit status; the agent sees the hold on every case of the
account and releases the order, which logistics may then ship (cases.order.released)."""

from datetime import UTC, datetime

import pytest

from services.cases.tests.cases_support import catalogue_event, consumables
from services.cases.tests.conftest import ACCOUNT, OTHER_ACCOUNT
from shared.events import new_event
from shared.events.accounts import AccountCreditStatusChanged


async def set_credit(portal, status: str, reason: str = "", account: str = ACCOUNT) -> None:
    await portal.bus.deliver(
        new_event(
            AccountCreditStatusChanged(
                account_id=account,
                number=f"N-{account}",
                status=status,
                reason=reason,
                changed_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
            ),
            source="accounts",
        )
    )


@pytest.fixture
async def held(portal):
    await portal.bus.deliver(catalogue_event())
    await set_credit(portal, "hold", "Invoices 60 days overdue")
    return portal


async def order(portal, user_id: str = "stock") -> dict:
    response = await portal.open(user_id, consumables())
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_order_on_hold_waits_and_the_customer_is_told_neutrally(held):
    case = await order(held)
    assert case["awaiting_release"] is True
    [created] = await held.published("cases.case.created")
    assert created.data["awaiting_release"] is True
    for user_id in ("stock", "admin"):
        seen = (await held.get(user_id, case["id"])).json()
        assert seen["awaiting_release"] is True
        assert "release_order" not in seen["allowed_actions"]
        text = str(seen).lower()
        assert "credit" not in text and "overdue" not in text and "hold" not in text, user_id


async def test_the_agent_sees_the_hold_on_every_case_of_the_account(held):
    incident = await held.new_case("manager")
    staff_view = (await held.get("agent", incident["id"])).json()
    assert staff_view["account"]["credit_status"] == "hold"
    assert staff_view["account"]["credit_reason"] == "Invoices 60 days overdue"
    assert "release_order" not in staff_view["allowed_actions"]  # not an order
    queue = (await held.client.get("/api/cases/v1/queue", headers=held.auth("boss"))).json()
    assert {item["account"]["credit_status"] for item in queue["items"]} == {"hold"}


async def test_the_agent_releases_the_order_once(held):
    case = await order(held)
    assert "release_order" in (await held.get("agent", case["id"])).json()["allowed_actions"]
    refused = await held.client.post(f"/api/cases/v1/cases/{case['id']}/release", headers=held.auth("admin"))
    assert refused.status_code == 403
    queue = (await held.client.get("/api/cases/v1/queue", headers=held.auth("boss"))).json()
    assert [item["awaiting_release"] for item in queue["items"] if item["id"] == case["id"]] == [True]
    listed = (await held.cases("agent", account_id=ACCOUNT)).json()["items"]
    assert [item["awaiting_release"] for item in listed if item["id"] == case["id"]] == [True]
    released = await held.client.post(f"/api/cases/v1/cases/{case['id']}/release", headers=held.auth("agent"))
    assert released.status_code == 200, released.text
    assert released.json()["awaiting_release"] is False
    assert "release_order" not in released.json()["allowed_actions"]
    [event] = await held.published("cases.order.released")
    assert event.data["case_id"] == case["id"] and event.data["released_by"] == "agent"
    assert event.data["details"]["items"][0]["sku"] == "T-BK"
    again = await held.client.post(f"/api/cases/v1/cases/{case['id']}/release", headers=held.auth("agent"))
    assert again.status_code == 409 and again.json()["code"] == "not_awaiting_release"
    assert len(await held.staged("cases.order.released")) == 1


async def test_orders_flow_as_usual_in_good_standing_or_on_watch(held):
    await set_credit(held, "watch", "Late payments")
    assert (await order(held))["awaiting_release"] is False
    await set_credit(held, "good")
    assert (await order(held))["awaiting_release"] is False
    other_staff_view = (await held.cases("agent", account_id=OTHER_ACCOUNT)).json()
    assert other_staff_view["total"] == 0


async def test_a_status_for_an_account_not_known_yet_is_retried(portal):
    with pytest.raises(Exception, match="not known yet"):
        await set_credit(portal, "hold", account="acc-unknown")
