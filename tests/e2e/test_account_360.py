"""F-41 end to end through the gateway: the finance system's events arrive, and the agent's account page shows the
payments and the credit status; no customer role's answer or page contains them; while the account's credit is
on hold a consumables order waits for an agent's release, and the customer reads only that it is being reviewed.
F-34: the customer's account page. F-51: the running portal serves its event contract."""

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from deploy.demo.data import DEMO_PASSWORD
from shared.bus import Bus, Names
from shared.events import VENDOR_EXCHANGE
from shared.events.vendor import FinanceCreditStatusChanged, FinancePaymentRecorded
from shared.parked import Parked, list_parked
from shared.testing import eventually_blocking

pytestmark = pytest.mark.e2e
AGENT = "agent@canon.example"
CUSTOMERS = (
    "admin@iberica.example",
    "devices@iberica.example",
    "stock@iberica.example",
    "both@iberica.example",
    "knowledge@iberica.example",
)


@contextmanager
def browser(system, email: str) -> Iterator[httpx.Client]:
    """A browser's session through the login form (the pages' cookies and CSRF token)."""
    with httpx.Client(base_url=system.gateway, timeout=15) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "the login page has no CSRF field"
        answer = client.post(
            "/login",
            data={"email": email, "password": DEMO_PASSWORD, "next": "/", "csrf_token": token.group(1)},
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form"
    return found.group(1)


def credit(system, status: str, reason: str = "") -> None:
    system.publish_vendor_events(
        FinanceCreditStatusChanged(
            account_number="ES-100234",
            status=status,
            credit_limit=Decimal("20000"),
            currency="EUR",
            reason=reason,
            at=datetime.now(UTC),  # later than every change before it: it becomes the current status
        ),
        source="finance",
    )


@pytest.fixture(scope="module")
def iberica(system) -> str:
    with system.client(system.login(AGENT)) as api:
        [account] = api.get("/api/accounts/v1/accounts", params={"q": "ES-100234"}).json()["items"]
    return account["id"]


@pytest.fixture
def on_hold(system, iberica) -> Iterator[str]:
    """Ibérica's credit on hold for the test, in good standing again afterwards (the other tests order too)."""
    reason = f"Facturas vencidas {uuid.uuid4().hex[:6]}"
    credit(system, "hold", reason)
    wait_for_status(system, iberica, "hold")
    try:
        yield reason
    finally:
        credit(system, "good")
        wait_for_status(system, iberica, "good")


def wait_for_status(system, account_id: str, status: str) -> None:
    """Until accounts and cases both know it (cases: a new incident's side panel shows it)."""
    token = system.login(AGENT)

    def known() -> bool:
        with system.client(token) as api:
            body = api.get(f"/api/accounts/v1/accounts/{account_id}/finance").json()
            return (body.get("credit_status") or {}).get("status") == status

    eventually_blocking(known, 20, 0.2)
    with system.client(system.login("admin@iberica.example")) as api:
        device = api.get("/api/accounts/v1/devices").json()["items"][0]
        case = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "incident",
                "device_id": device["id"],
                "category": "other",
                "subject": f"Caso de prueba {uuid.uuid4().hex[:6]}",
                "description": "Un caso de prueba.",
            },
        ).json()
    with system.client(token) as api:
        eventually_blocking(
            lambda: api.get(f"/api/cases/v1/cases/{case['id']}").json()["account"]["credit_status"] == status,
            20,
            0.2,
        )


def test_finance_events_reach_the_agents_account_page_and_no_customer(system, iberica):
    invoice = f"E2E-{uuid.uuid4().hex[:8].upper()}"
    reason = f"Revisión {uuid.uuid4().hex[:6]}"
    system.publish_vendor_events(
        FinancePaymentRecorded(
            account_number="ES-100234",
            invoice_number=invoice,
            amount=Decimal("4321.09"),
            currency="EUR",
            paid_at=datetime.now(UTC),
            method="bank_transfer",
        ),
        FinanceCreditStatusChanged(
            account_number="ES-100234", status="watch", reason=reason, at=datetime.now(UTC)
        ),
        source="finance",
    )
    agent = system.login(AGENT)
    with system.client(agent) as api:

        def arrived() -> dict | None:
            body = api.get(f"/api/accounts/v1/accounts/{iberica}/finance").json()
            paid = [p["invoice_number"] for p in body["payments"]["items"]]
            return body if invoice in paid and body["credit_status"]["reason"] == reason else None

        finance = eventually_blocking(arrived, 20, 0.2)
        assert finance["credit_status"]["status"] == "watch"
        assert [c["status"] for c in finance["credit_history"]][-1] == "good"  # the demo's first status
        assert finance["payments"]["total"] >= 7  # the demo's history and this one

    with browser(system, AGENT) as page:
        html = page.get(f"/agent/accounts/{iberica}").text
        assert invoice in html and reason in html and "4,321.09" in html
        assert (
            "Ibérica Servicios Gráficos" in html and "ES3826C0002" in html and "stock@iberica.example" in html
        )
        for q in ("ES-100234", "ibérica", "ES3826C0002", "stock@iberica.example"):
            found = page.get("/agent/accounts", params={"q": q}).text
            assert f'href="/agent/accounts/{iberica}"' in found, q

    for email in CUSTOMERS:
        token = system.login(email)
        with system.client(token) as api:
            assert api.get(f"/api/accounts/v1/accounts/{iberica}/finance").status_code == 403, email
            own = api.get(f"/api/accounts/v1/accounts/{iberica}")
            assert own.status_code == 200 and invoice not in own.text and reason not in own.text, email
            assert "credit" not in own.text, email
            for case in api.get("/api/cases/v1/cases").json()["items"][:3]:
                answer = api.get(f"/api/cases/v1/cases/{case['id']}").text
                assert reason not in answer and "credit" not in answer, email
        with browser(system, email) as page:
            for path in ("/", "/account", "/cases", "/devices"):
                html = page.get(path).text
                assert invoice not in html and reason not in html, (email, path)
            assert page.get(f"/agent/accounts/{iberica}").status_code == 403, email


def test_an_order_on_hold_waits_for_the_agents_release(system, iberica, on_hold):
    stock = system.login("stock@iberica.example")
    with system.client(stock) as api:
        device = next(
            d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == "ES3826C0002"
        )
        answer = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "consumables",
                "device_id": device["id"],
                "items": [{"sku": "C3826i-T-B", "quantity": 1}],
            },
        )
        assert answer.status_code == 201, answer.text
        order = answer.json()
        assert order["awaiting_release"] is True
        seen = api.get(f"/api/cases/v1/cases/{order['id']}").text
        assert on_hold not in seen and "credit" not in seen
    with browser(system, "stock@iberica.example") as page:
        html = page.get(f"/cases/{order['id']}").text
        assert 'data-notice="awaiting-release"' in html
        assert on_hold not in html and "crédito" not in html.lower()

    with browser(system, AGENT) as page:
        html = page.get(f"/agent/cases/{order['id']}").text
        assert 'data-notice="credit-hold"' in html and on_hold in html
        assert 'data-action="release_order"' in html
        released = page.post(f"/agent/cases/{order['id']}/release", data={"csrf_token": csrf_of(html)})
        assert released.status_code == 303, released.text
        after = page.get(released.headers["location"]).text
        assert 'data-action="release_order"' not in after

    with system.client(stock) as api:
        assert api.get(f"/api/cases/v1/cases/{order['id']}").json()["awaiting_release"] is False
    with system.client(system.login(AGENT)) as api:
        again = api.post(f"/api/cases/v1/cases/{order['id']}/release")
        assert again.status_code == 409 and again.json()["code"] == "not_awaiting_release"


def test_the_customers_account_page_shows_what_concerns_each_role(system):
    with browser(system, "admin@iberica.example") as page:
        html = page.get("/account").text
        assert "ES-100234" in html and "facturas@iberica.example" in html and "Alcobendas" in html
    with browser(system, "knowledge@iberica.example") as page:
        html = page.get("/account").text
        assert (
            "ES-100234" in html
            and "facturas@iberica.example" not in html
            and "Almacén Alcobendas" not in html
        )


def test_the_running_portal_serves_its_event_contract(system):
    with httpx.Client(base_url=system.gateway, timeout=15) as client:
        document = client.get("/docs/asyncapi.json").json()
        assert "finance_payment_recorded" in document["channels"]
        assert (
            document["operations"]["accounts_receives_finance_credit_status_changed"]["action"] == "receive"
        )
        assert document["channels"]["cases_events_queue"]["address"] == "cases.events"
        page = client.get("/docs/asyncapi")
        assert page.status_code == 200 and 'id="finance.credit_status.changed"' in page.text


def in_a_thread(coroutine):
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


async def publish_raw(system, event_type: str, data: dict) -> str:
    bus = Bus(amqp_url=system.config.amqp_url, service="finance-test", prefix=system.config.bus_prefix)
    await bus.connect()
    event_id = str(uuid.uuid4())
    body = {
        "specversion": "1.0",
        "id": event_id,
        "source": "finance",
        "type": event_type,
        "time": datetime.now(UTC).isoformat(),
        "data": data,
    }
    try:
        await bus.publish_raw(VENDOR_EXCHANGE, event_type, json.dumps(body).encode(), event_id)
    finally:
        await bus.close()
    return event_id


def test_an_invalid_finance_event_is_parked_with_its_reason_and_changes_nothing(system, iberica):
    invoice = f"BAD-{uuid.uuid4().hex[:6]}"
    data = {
        "account_number": "ES-100234",
        "invoice_number": invoice,
        "amount": "-10.00",  # a payment is never negative
        "currency": "EUR",
        "paid_at": datetime.now(UTC).isoformat(),
        "method": "bank_transfer",
    }
    event_id = in_a_thread(publish_raw(system, "finance.payment.recorded", data))
    names = Names(system.config.bus_prefix, "accounts")

    def parked() -> Parked | None:
        found = in_a_thread(list_parked(system.config.amqp_url, names))
        return next((m for m in found if m.message_id == event_id), None)

    message = eventually_blocking(parked, 20, 0.3)
    assert message is not None and "amount" in message.reason
    with system.client(system.login(AGENT)) as api:
        body = api.get(f"/api/accounts/v1/accounts/{iberica}/finance", params={"limit": 100}).json()
    assert invoice not in [p["invoice_number"] for p in body["payments"]["items"]]
