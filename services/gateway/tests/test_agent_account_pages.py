"""F-41's pages: the agent's page of an account (its data, users, devices with their meter history, cases with
their response outcome, payments, credit status) and the search that finds it; a hold shown on the agent's case
page with the order's release. F-34: the customer's account information. Customers never reach the finance."""

import re

import pytest

from services.gateway.tests.gateway_fakes import ACCOUNT_ID, CASE_ID, DEVICE_ID, log_in, submit

HOLD = {
    "status": "hold",
    "credit_limit": "5000.00",
    "currency": "EUR",
    "reason": "Invoices 60 days overdue",
    "at": "2026-11-25T09:00:00+00:00",
}
PAYMENT = {
    "invoice_number": "F-2026-11-77",
    "amount": "1250.00",
    "currency": "EUR",
    "paid_at": "2026-11-05T10:00:00+00:00",
    "method": "direct_debit",
}


async def as_(gateway, fakes, role: str = "administrator", staff_role: str | None = None):
    fakes.role, fakes.staff_role = role, staff_role
    response = await log_in(gateway)
    assert response.status_code == 303, response.text
    return gateway


async def test_the_agent_reads_the_whole_account(gateway, fakes):
    fakes.credit, fakes.payments = HOLD, [PAYMENT]
    fakes.readings[DEVICE_ID] = [
        {
            "id": "r1",
            "local_date": "2026-11-30",
            "read_at": "2026-11-30T09:30:00+00:00",
            "counters": {"black": 12345, "colour": 678},
            "source": "automatic",
            "submitted_by": None,
            "confirmed_implausible": False,
        }
    ]
    client = await as_(gateway, fakes, staff_role="agent")
    page = await client.get(f"/agent/accounts/{ACCOUNT_ID}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-notice="credit-hold"' in html and "Invoices 60 days overdue" in html
    assert 'data-credit="hold"' in html and "€5,000.00" in html
    payments = html.split('data-list="payments"', 1)[1].split("</table>", 1)[0]
    assert "F-2026-11-77" in payments and "€1,250.00" in payments and "Direct debit" in payments
    assert "SN-4711" in html and "C-77" in html and "12,345" in html  # device, contract, latest reading
    assert 'data-device="SN-4711"' in html  # its meter history
    assert "Not reported" in html  # the fleet's online state, where the devices carry none yet
    assert "CS-2026-000123" in html and "Answered in time" in html
    assert 'data-badge="awaiting-release"' not in html
    assert "pagos@example.com" in html  # every contact, for the staff
    cases_call = fakes.of("cases", "GET", "/api/cases/v1/cases")[-1]
    assert f"account_id={ACCOUNT_ID}" in cases_call.query


async def test_the_agent_filters_and_pages_the_accounts_cases(gateway, fakes):
    client = await as_(gateway, fakes, staff_role="agent")
    page = await client.get(f"/agent/accounts/{ACCOUNT_ID}", params={"type": "incident", "page": "2"})
    assert page.status_code == 200
    query = fakes.of("cases", "GET", "/api/cases/v1/cases")[-1].query
    assert "type=incident" in query and "offset=20" in query
    assert "The finance system has not reported a credit status" in page.text


async def test_the_search_finds_accounts_and_links_them(gateway, fakes):
    client = await as_(gateway, fakes, staff_role="agent")
    page = await client.get("/agent/accounts", params={"q": "SN-4711"})
    assert page.status_code == 200
    assert f'href="/agent/accounts/{ACCOUNT_ID}"' in page.text
    assert fakes.of("accounts", "GET", "/api/accounts/v1/accounts")[-1].query == "q=SN-4711"


@pytest.mark.parametrize("role", ["administrator", "device_manager", "stock_manager", "knowledge_user"])
async def test_customers_get_no_finance_page(gateway, fakes, role):
    fakes.credit, fakes.payments = HOLD, [PAYMENT]
    client = await as_(gateway, fakes, role)
    assert (await client.get(f"/agent/accounts/{ACCOUNT_ID}")).status_code == 403
    assert (await client.get("/agent/accounts", params={"q": "Acme"})).status_code == 403
    html = (await client.get("/account")).text
    assert "Acme SL" in html and "100200" in html
    assert "overdue" not in html and "F-2026-11-77" not in html
    assert fakes.of("accounts", "GET", f"/api/accounts/v1/accounts/{ACCOUNT_ID}/finance") == []


async def test_the_administrator_sees_every_address_and_contact_the_others_what_concerns_them(gateway, fakes):
    admin = await as_(gateway, fakes, "administrator")
    html = (await admin.get("/account")).text
    assert "Billing address" in html and "pagos@example.com" in html
    fakes.role = "device_manager"
    await log_in(gateway)
    html = (await gateway.get("/account")).text
    assert "Head office" in html and "Billing address" not in html and "pagos@example.com" not in html


async def test_a_hold_shows_on_the_agents_case_and_the_order_is_released(gateway, fakes):
    fakes.credit = HOLD
    fakes.cases[CASE_ID].update(type="consumables", awaiting_release=True)
    client = await as_(gateway, fakes, staff_role="agent")
    html = (await client.get(f"/agent/cases/{CASE_ID}")).text
    assert 'data-notice="credit-hold"' in html and "Invoices 60 days overdue" in html
    assert 'data-notice="awaiting-release"' in html
    assert re.search(r'href="/agent/accounts/[^"]+"', html)  # the account's page from the side panel
    assert 'data-action="release_order"' in html
    account_page = (await client.get(f"/agent/accounts/{ACCOUNT_ID}")).text
    assert 'data-badge="awaiting-release"' in account_page
    released = await submit(client, f"/agent/cases/{CASE_ID}", f"/agent/cases/{CASE_ID}/release", {})
    assert released.status_code == 303 and released.headers["location"].endswith("notice=released")


async def test_the_customer_reads_only_that_the_order_is_reviewed(gateway, fakes):
    fakes.credit = HOLD
    fakes.cases[CASE_ID].update(type="consumables", awaiting_release=True)
    client = await as_(gateway, fakes, "stock_manager")
    html = (await client.get(f"/cases/{CASE_ID}")).text
    assert "being reviewed by our team" in html
    assert "overdue" not in html and "credit" not in html.lower()
    assert 'data-action="release_order"' not in html
