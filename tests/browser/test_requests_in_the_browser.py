"""In a real browser, the demo users' service requests and account management (F-02, F-30 to F-34): the
Stock Manager orders toner and follows its shipment, the Administrator moves one device and has another
removed, asks about the account, invites a user and later deactivates them."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from shared.events.vendor import LogisticsShipmentUpdated
from tests.browser.test_incident_in_the_browser import log_in
from tests.system import first_match, text_of

pytestmark = pytest.mark.browser
ADMIN, STOCK, AGENT = "admin@iberica.example", "stock@iberica.example", "agent@canon.example"
NEW_PASSWORD = "a brand new passphrase 7"


def devices_of(system, email: str) -> dict[str, dict]:
    with system.client(system.login(email)) as api:
        return {d["serial"]: d for d in api.get("/api/accounts/v1/devices").json()["items"]}


def case_number(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))
    return first_match(r"CS-\d{4}-\d{6}", page.content())


def test_the_stock_manager_orders_toner_and_follows_the_shipment(new_page, system):
    device = devices_of(system, STOCK)["ES5860A0003"]
    page = new_page("es-ES")
    log_in(page, STOCK)
    page.goto(f"/devices/{device['id']}/order")
    page.locator("#f-quantity_C5860i-T-M").fill("2")  # not the cyan the supplies test orders
    page.locator("form[action$='/order'] button[type=submit]").click()
    number = case_number(page)
    case_path = first_match(r"/cases/[0-9a-f-]{36}", page.url)
    expect(page.locator("h1")).to_contain_text("Pedido de consumibles")  # named in the customer's language

    now = datetime.now(UTC)
    system.publish_vendor_events(
        LogisticsShipmentUpdated(case_number=number, status="accepted", at=now),
        LogisticsShipmentUpdated(
            case_number=number, status="shipped", tracking_reference="PKG-4711", carrier="SEUR", at=now
        ),
        source="logistics",
    )
    [shipped] = system.inbox.wait_for(lambda m: STOCK in m["To"] and "PKG-4711" in text_of(m))
    assert number in text_of(shipped)
    page.goto(case_path)
    expect(page.locator("main")).to_contain_text("PKG-4711")
    expect(page.locator("ol.timeline")).to_contain_text("SEUR")


def test_the_administrator_moves_a_device_and_has_another_removed(new_page, system):
    devices = devices_of(system, ADMIN)
    page = new_page("es-ES")
    log_in(page, ADMIN)
    page.goto(f"/devices/{devices['ES3930C0005']['id']}/relocation")
    for field, value in {
        "street": "Calle Mayor 5",
        "postal_code": "28013",
        "city": "Madrid",
        "country": "ES",
        "contact_name": "Ana Ruiz",
        "contact_phone": "+34 600 000 000",
        "preferred_date": (date.today() + timedelta(days=10)).isoformat(),
    }.items():
        page.locator(f"#f-{field}").fill(value)
    page.locator("#f-time_window-morning").check()
    page.locator("#f-ip_mode-dhcp").check()
    page.locator("form[action$='/relocation'] button[type=submit]").click()
    case_number(page)
    expect(page.locator("main")).to_contain_text("Calle Mayor 5")

    page.goto(f"/devices/{devices['ES1238M0004']['id']}/removal")
    page.locator("#f-date").fill((date.today() + timedelta(days=20)).isoformat())
    page.locator("#f-reason").fill("Sustituido por un equipo nuevo")
    page.locator("form[action$='/removal'] button[type=submit]").click()
    case_number(page)
    expect(page.locator("main")).to_contain_text("Sustituido por un equipo nuevo")


def test_an_account_inquiry_is_answered_by_the_agent(new_page, system):
    page = new_page("es-ES")
    log_in(page, ADMIN)
    page.goto("/account/inquiry")
    page.locator("#f-topic").select_option("invoice")
    page.locator("#f-subject").fill("Factura de octubre")
    page.locator("#f-description").fill("La factura incluye un equipo que ya no tenemos.")
    page.locator("form[action='/account/inquiry'] button[type=submit]").click()
    number = case_number(page)
    case_path = first_match(r"/cases/[0-9a-f-]{36}", page.url)
    with system.client(system.login(AGENT)) as api:
        case_id = case_path.rsplit("/", 1)[1]
        assert api.get(f"/api/cases/v1/cases/{case_id}").json()["department"] == "accounts"
        reply = api.post(
            f"/api/cases/v1/cases/{case_id}/messages",
            json={"body": "Hemos corregido la factura.", "internal": False},
        )
        assert reply.status_code == 201
    system.inbox.wait_for(
        lambda m: ADMIN in m["To"] and number in m["Subject"] and "Hemos corregido la factura." in text_of(m)
    )
    page.goto(case_path)
    expect(page.locator("ol.timeline")).to_contain_text("Hemos corregido la factura.")


def test_an_invited_user_sees_exactly_the_assigned_devices_until_deactivated(new_page, system):
    device = devices_of(system, ADMIN)["ES1643A0001"]
    email = f"invited-{datetime.now(UTC):%H%M%S%f}@iberica.example"
    admin = new_page("es-ES")
    log_in(admin, ADMIN)
    admin.goto("/account/users")
    admin.locator("summary.disclosure-title").click()  # the invitation form is folded away
    admin.locator("#f-invite-email").fill(email)
    admin.locator("#f-invite-role").select_option("device_manager")
    admin.locator(f"#f-invite-device_ids-{device['id']}").check()
    admin.locator("form[action='/account/users/invite'] button[type=submit]").click()
    expect(admin).to_have_url(re.compile(r"/account/users"))

    [invitation] = system.inbox.wait_for(lambda m: email in m["To"])
    link = first_match(r"https?://\S*/invitations/[^\s\"<>]+", text_of(invitation))
    person = new_page("es-ES")
    person.goto(re.sub(r"^https?://[^/]+", "", link))
    person.locator("#f-name").fill("Persona Invitada")
    person.locator("#f-password").fill(NEW_PASSWORD)
    person.locator("form[action^='/invitations/'] button[type=submit]").click()
    person.goto("/login")
    person.locator("#f-email").fill(email)
    person.locator("#f-password").fill(NEW_PASSWORD)
    person.locator("form[action='/login'] button[type=submit]").click()
    person.goto("/devices")
    expect(person.locator("main")).to_contain_text("ES1643A0001")
    expect(person.locator("main")).not_to_contain_text("ES3826C0002")

    with system.client(system.login(ADMIN)) as api:
        account_id = device["account_id"]
        users = api.get(f"/api/accounts/v1/accounts/{account_id}/users").json()["items"]
        user_id = next(u["user_id"] for u in users if u["email"] == email)
    admin.goto(f"/account/users/{user_id}")  # each user's forms are on their own page
    admin.locator(f"#f-u-{user_id}-confirm").check()
    admin.locator(f"form[action='/account/users/{user_id}/deactivate'] button[type=submit]").click()
    expect(admin).to_have_url(re.compile(r"/account/users"))
    person.goto("/devices")
    expect(person).to_have_url(re.compile(r"/login"))
