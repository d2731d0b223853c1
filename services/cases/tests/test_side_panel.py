"""F-40: what an agent sees beside a case: the account, the customer who wrote it and how to reach them, the
device with its contract's response time, whom it may go to, and the account's other open cases. The contact
comes with the users' copy (`accounts.user.upserted`); no customer ever gets any of it."""

from datetime import UTC, datetime, timedelta

from services.cases.tests.conftest import user_event
from shared.events import new_event
from shared.events.accounts import UserUpserted


def with_phone(user_id: str, phone: str):
    return new_event(UserUpserted(**{**user_event(user_id).data, "phone": phone}), source="accounts")


async def test_the_staff_see_account_customer_and_device_with_its_response_time(portal):
    await portal.bus.deliver(with_phone("manager", "+34 600 111 222"))
    case = await portal.new_case("manager", "d1")
    detail = (await portal.get("agent", case["id"])).json()
    assert detail["account"] == {
        "id": "acc-1",
        "number": "N-acc-1",
        "name": "Account acc-1",
        "country": "ES",
        "credit_status": "good",  # until the finance system says otherwise (F-41)
        "credit_reason": "",
    }
    assert detail["customer"] == {
        "id": "manager",
        "name": "Max Manager",
        "email": "manager@example.com",
        "phone": "+34 600 111 222",
    }
    assert detail["device"]["response_time_hours"] == 8
    assert (detail["breached"], detail["at_risk"]) == (False, False)


async def test_an_event_without_a_phone_leaves_it_empty(portal):
    await portal.bus.deliver(with_phone("admin", "+34 600 000 001"))
    event = user_event("admin")
    event.data.pop("phone")  # as published before the phone was sent
    await portal.bus.deliver(event)
    case = await portal.new_case("admin", "d4")
    customer = (await portal.get("agent", case["id"])).json()["customer"]
    assert (customer["email"], customer["phone"]) == ("admin@example.com", "")


async def test_the_accounts_other_open_cases_the_soonest_due_first(portal):
    case = await portal.new_case("manager", "d1", subject="This one")
    later = await portal.new_case("manager2", "d2", subject="Later")
    sooner = await portal.new_case("admin", "d4", subject="Sooner")
    resolved = await portal.new_case("manager", "d1", subject="Resolved")
    elsewhere = await portal.new_case("other_admin", "d3", subject="Other account")
    now = datetime.now(UTC)
    await portal.set_case(later["id"], response_due_at=now + timedelta(hours=6))
    await portal.set_case(sooner["id"], response_due_at=now - timedelta(hours=1))
    for status in ("in_progress", "resolved"):
        await portal.set_status("agent", resolved["id"], status)
    detail = (await portal.get("agent", case["id"])).json()
    others = detail["other_open_cases"]
    assert [(c["number"], c["subject"], c["status"]) for c in others] == [
        (sooner["number"], "Sooner", "new"),
        (later["number"], "Later", "new"),
    ]
    assert others[0]["response_due_at"] is not None and detail["other_open_cases_total"] == 2
    assert elsewhere["number"] not in str(others)
    # The overdue case says so on its own page too.
    assert (await portal.get("agent", sooner["id"])).json()["breached"] is True


async def test_the_department_colleagues_are_offered_to_an_agent(portal):
    await portal.place("technical_support", "agent2", "agent")
    case = await portal.new_case()
    detail = (await portal.get("agent", case["id"])).json()
    assert detail["assignable"] == [
        {"id": "agent", "name": "Agnes Agent"},
        {"id": "agent2", "name": "Arvid Agent"},
    ]
