"""F-41, F-50: the finance system's payments and credit status build the account's vendor-only finance history;
duplicates change nothing; bad data is refused; only the vendor's staff read it. F-34: the CRM's addresses and
contacts of an account, each role seeing the parts that concern it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from accounts.crm.handlers import AccountNotKnownYet
from accounts.customer_accounts.models import Account
from accounts.finance.models import CreditStatusChange, Payment
from services.accounts.tests.accounts_support import account_event, all_published, bearer, contact_event
from shared.events import CloudEvent, new_event
from shared.events.vendor import (
    AccountAddress,
    AccountContact,
    FinanceCreditStatusChanged,
    FinancePaymentRecorded,
)

API = "/api/accounts/v1"


def finance(data) -> CloudEvent:
    return new_event(data, source="finance")


def payment(invoice: str = "F-1", amount: str = "120.50", day: int = 3, number: str = "A-100") -> CloudEvent:
    return finance(
        FinancePaymentRecorded(
            account_number=number,
            invoice_number=invoice,
            amount=Decimal(amount),
            currency="EUR",
            paid_at=datetime(2026, 11, day, 10, tzinfo=UTC),
            method="bank_transfer",
        )
    )


def credit(status: str, day: int, reason: str = "", number: str = "A-100") -> CloudEvent:
    return finance(
        FinanceCreditStatusChanged(
            account_number=number,
            status=status,
            credit_limit=Decimal("5000"),
            currency="EUR",
            reason=reason,
            at=datetime(2026, 11, day, 9, tzinfo=UTC),
        )
    )


async def count(app, model) -> int:
    async with app.state.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def account_id(app, number: str = "A-100") -> str:
    async with app.state.db.session() as session:
        return await session.scalar(select(Account.id).where(Account.number == number))


async def test_payments_and_credit_status_are_kept_and_shown_to_staff_only(app, crm_world, client, token_for):
    for event in (
        payment("F-1", day=3),
        payment("F-2", "99.90", day=20),
        credit("good", 1),
        credit("hold", 25, "Overdue"),
    ):
        await crm_world.deliver(event)
    account = await account_id(app)
    staff = bearer(token_for(staff_role="agent"))
    answer = await client.get(f"{API}/accounts/{account}/finance", headers=staff, params={"limit": 1})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["credit_status"]["status"] == "hold" and body["credit_status"]["reason"] == "Overdue"
    assert [c["status"] for c in body["credit_history"]] == ["hold", "good"]
    assert body["payments"]["total"] == 2
    assert [(p["invoice_number"], p["amount"]) for p in body["payments"]["items"]] == [("F-2", "99.90")]
    detail = (await client.get(f"{API}/accounts/{account}", headers=staff)).json()
    assert detail["credit_status"]["status"] == "hold"
    # Every customer role: refused the finance answer, and no trace of it in the account's own answer.
    for role in (
        "administrator",
        "device_manager",
        "stock_manager",
        "device_stock_manager",
        "knowledge_user",
    ):
        customer = bearer(token_for(memberships={account: role}))
        refused = await client.get(f"{API}/accounts/{account}/finance", headers=customer)
        assert refused.status_code == 403, role
        own = await client.get(f"{API}/accounts/{account}", headers=customer)
        assert own.status_code == 200
        assert "credit" not in own.text and "Overdue" not in own.text and "99.90" not in own.text, role
    # The changes are audited, but not in the trail the account's administrators read.
    admin = bearer(token_for(memberships={account: "administrator"}))
    trail = await client.get(f"{API}/accounts/{account}/audit", headers=admin)
    assert trail.status_code == 200 and "payment" not in trail.text and "credit" not in trail.text


async def test_the_cases_service_is_told_only_when_the_current_status_changes(app, crm_world, client):
    await crm_world.deliver(credit("good", 1))
    await crm_world.deliver(credit("hold", 10, "Overdue"))
    await crm_world.deliver(credit("watch", 5, "Late"))  # older than the current one: history only
    await all_published(app)
    published = crm_world.of_type("accounts.credit_status.changed")
    assert [(e.data["status"], e.data["reason"]) for e in published] == [("good", ""), ("hold", "Overdue")]
    assert await count(app, CreditStatusChange) == 3


async def test_duplicates_change_nothing(app, crm_world, client):
    events = [payment("F-1"), credit("hold", 2, "Overdue")]
    for event in events:
        await crm_world.deliver(event)
    published = await all_published(app)
    for event in events:
        await crm_world.deliver(event)  # redelivered: the inbox drops them
    for event in (payment("F-1"), credit("hold", 2, "Overdue")):
        await crm_world.deliver(event)  # new events repeating what is known: nothing to add
    assert (await count(app, Payment), await count(app, CreditStatusChange)) == (1, 1)
    assert await all_published(app) == published


async def test_finance_for_an_unknown_account_is_retried_not_lost(app, crm_world, client):
    early = payment(number="Z-999")
    with pytest.raises(AccountNotKnownYet):
        await crm_world.deliver(early)
    await crm_world.deliver(account_event("Z-999"))
    await crm_world.deliver(early)
    assert await count(app, Payment) == 1


@pytest.mark.parametrize(
    "contract, fields",
    [
        (FinancePaymentRecorded, {"amount": "-5"}),
        (FinancePaymentRecorded, {"currency": "euro"}),
        (FinancePaymentRecorded, {"method": "barter"}),
        (FinancePaymentRecorded, {"paid_at": "2026-11-03T10:00:00"}),  # no time zone
        (FinanceCreditStatusChanged, {"status": "excellent"}),
        (FinanceCreditStatusChanged, {"credit_limit": "100", "currency": None}),
    ],
)
def test_invalid_finance_events_are_refused_by_their_contract(contract, fields):
    valid = {
        FinancePaymentRecorded: {
            "account_number": "A-100",
            "invoice_number": "F-1",
            "amount": "10",
            "currency": "EUR",
            "paid_at": "2026-11-03T10:00:00Z",
            "method": "card",
        },
        FinanceCreditStatusChanged: {
            "account_number": "A-100",
            "status": "hold",
            "at": "2026-11-03T10:00:00Z",
        },
    }[contract]
    contract.model_validate(valid)
    with pytest.raises(ValidationError):
        contract.model_validate({**valid, **fields})


async def test_staff_find_accounts_by_number_name_serial_or_email(app, crm_world, client, token_for):
    await crm_world.deliver(contact_event("buyer@beta.example", number="B-200", role="stock_manager"))
    staff = bearer(token_for(staff_role="agent"))

    async def found(q: str) -> list[str]:
        answer = await client.get(f"{API}/accounts", headers=staff, params={"q": q})
        assert answer.status_code == 200, answer.text
        return [a["number"] for a in answer.json()["items"]]

    assert await found("a-1") == ["A-100"]
    assert await found("beta") == ["B-200"]
    assert await found("sn-9") == ["B-200"]
    assert await found("BUYER@beta") == ["B-200"]
    assert await found("%") == []  # a wildcard is only a character
    assert await found("nothing like it") == []
    customer = bearer(token_for(memberships={await account_id(app): "administrator"}))
    assert (await client.get(f"{API}/accounts", headers=customer, params={"q": "a"})).status_code == 403


async def test_each_role_sees_the_parts_of_the_account_that_concern_it(app, bus, client, token_for):
    addresses = [
        AccountAddress(kind=kind, street=f"{kind} street 1", city="Madrid", country="ES")
        for kind in ("head_office", "billing", "shipping", "site")
    ]
    contacts = [
        AccountContact(name=f"{topic} person", topic=topic)
        for topic in ("general", "billing", "technical", "supplies")
    ]
    await bus.deliver(account_event("A-100", addresses=addresses, contacts=contacts))
    account = await account_id(app)

    async def parts(role: str) -> tuple[list[str], list[str]]:
        answer = await client.get(
            f"{API}/accounts/{account}", headers=bearer(token_for(memberships={account: role}))
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return [a["kind"] for a in body["addresses"]], [c["topic"] for c in body["contacts"]]

    assert await parts("administrator") == (
        ["head_office", "billing", "shipping", "site"],
        ["general", "billing", "technical", "supplies"],
    )
    assert await parts("device_manager") == (["head_office", "site"], ["general", "technical"])
    assert await parts("stock_manager") == (["head_office", "shipping"], ["general", "supplies"])
    assert await parts("device_stock_manager") == (
        ["head_office", "shipping", "site"],
        ["general", "technical", "supplies"],
    )
    assert await parts("knowledge_user") == (["head_office"], ["general"])
