"""Supplies orders, relocation and removal requests, account inquiries and the device's location (F-30 to F-33),
their cases' details and timeline, and the dashboard's orders and requests (F-71). The services are fakes with
their roles and refusals (see gateway_fakes); under test is what the pages send, show and keep."""

import datetime as dt
import re

import pytest

from services.gateway.tests.gateway_fakes import (
    ACCOUNT_ID,
    CASE_ID,
    DEVICE_ID,
    csrf_of,
    log_in,
    section_of,
    submit,
)
from services.gateway.tests.test_reading_pages import field_error, value_of

CASES = "/api/cases/v1/cases"
LOCATION = f"/api/accounts/v1/devices/{DEVICE_ID}/location"
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


async def logged_in_as(gateway, fakes, role: str, language: str = "en"):
    fakes.role, fakes.me["language"] = role, language
    await log_in(gateway)
    return gateway


def checked(html: str, field_id: str) -> bool:
    return bool(re.search(rf'id="{field_id}"[^>]*checked', html))


# -- supplies (F-30)
async def test_the_order_form_lists_the_catalogue_with_each_limit(logged_in, fakes):
    html = (await logged_in.get(f"/devices/{DEVICE_ID}/order")).text
    assert 'action="/devices/dev-1/order"' in html
    assert '<label for="f-quantity_TN-C">Toner cyan C-EXV 54' in html
    assert re.search(r'id="f-quantity_TN-C" name="quantity_TN-C" type="number" min="0" max="2"', html)
    assert "Cyan toner, article TN-C. At most 2 per order." in html
    assert checked(html, "f-ship_to-device") and not checked(html, "f-ship_to-other")
    assert value_of(html, "f-country") == "ES"


async def test_an_order_to_the_device_becomes_a_consumables_case(logged_in, fakes):
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}/order",
        f"/devices/{DEVICE_ID}/order",
        {
            "quantity_TN-BK": "2",
            "quantity_TN-C": "",
            "quantity_DR-1": "1",
            "ship_to": "device",
            "instructions": " Goods reception until 15:00 ",
            "street": "ignored",
            "city": "",
            "country": "ES",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/cases/case-2?notice=created"
    assert fakes.of("cases", "POST", CASES)[0].body == {
        "type": "consumables",
        "device_id": DEVICE_ID,
        "subject": "Supplies order",
        "items": [{"sku": "TN-BK", "quantity": 2}, {"sku": "DR-1", "quantity": 1}],
        "shipping": {"use_device_location": True, "instructions": "Goods reception until 15:00"},
    }
    html = (await logged_in.get(response.headers["location"])).text
    assert "Your case has been created." in html and "Your case number is CS-2026-000124." in html
    items = html[html.index('id="details"') :]
    assert "Toner black C-EXV 54" in items and "Black toner" in items and "Drum unit" in items
    assert "Goods reception until 15:00" in items


async def test_an_order_elsewhere_sends_the_address_and_a_missing_city_is_named(logged_in, fakes):
    typed = {
        "quantity_TN-BK": "1",
        "ship_to": "other",
        "instructions": "",
        "street": "Gran Vía 9",
        "postal_code": "28013",
        "city": "",
        "region": "",
        "country": "ES",
        "building": "B",
        "floor": "",
        "room": "",
        "contact_name": "Eva",
        "contact_phone": "+34 911",
    }
    response = await submit(logged_in, f"/devices/{DEVICE_ID}/order", f"/devices/{DEVICE_ID}/order", typed)
    assert response.status_code == 422
    sent = fakes.of("cases", "POST", CASES)[0].body["shipping"]
    assert sent == {
        "use_device_location": False,
        "instructions": "",
        "street": "Gran Vía 9",
        "postal_code": "28013",
        "city": "",
        "region": "",
        "country": "ES",
        "building": "B",
        "floor": "",
        "room": "",
        "contact_name": "Eva",
        "contact_phone": "+34 911",
    }
    html = response.text
    assert "at least 1 character" in field_error(html, "f-city")
    assert value_of(html, "f-street") == "Gran Vía 9" and value_of(html, "f-quantity_TN-BK") == "1"
    assert checked(html, "f-ship_to-other")


async def test_a_quantity_above_the_limit_is_shown_next_to_its_item(logged_in, fakes):
    # The second line sent (items.1) is the drum, the third item of the catalogue.
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}/order",
        f"/devices/{DEVICE_ID}/order",
        {"quantity_TN-BK": "1", "quantity_DR-1": "3", "ship_to": "device"},
    )
    assert response.status_code == 422
    html = response.text
    assert "At most 1 of Drum unit per order." in field_error(html, "f-quantity_DR-1")
    assert 'id="f-quantity_TN-C-error"' not in html and 'id="f-quantity_TN-BK-error"' not in html
    assert value_of(html, "f-quantity_DR-1") == "3" and value_of(html, "f-quantity_TN-BK") == "1"


async def test_an_empty_order_is_refused_without_calling_the_service(logged_in, fakes):
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}/order",
        f"/devices/{DEVICE_ID}/order",
        {"quantity_TN-BK": "0", "ship_to": "device"},
    )
    assert response.status_code == 422 and "Enter the quantity of at least one item." in response.text
    assert fakes.of("cases", "POST", CASES) == []


async def test_a_role_the_service_refuses_gets_the_forbidden_page(gateway, fakes):
    await logged_in_as(gateway, fakes, "device_manager")
    device = (await gateway.get(f"/devices/{DEVICE_ID}")).text
    assert (
        f'href="/devices/{DEVICE_ID}/order"' not in device
        and f'href="/devices/{DEVICE_ID}/relocation"' in device
    )
    response = await submit(
        gateway,
        f"/devices/{DEVICE_ID}/order",
        f"/devices/{DEVICE_ID}/order",
        {"quantity_TN-BK": "1", "ship_to": "device"},
    )
    assert response.status_code == 403 and "Access denied" in response.text


# -- relocation and removal (F-32)
RELOCATION_FORM = {
    "street": "Sveavägen 1",
    "postal_code": "111 57",
    "city": "Stockholm",
    "region": "",
    "country": "se",
    "building": "",
    "floor": "3",
    "room": "",
    "contact_name": "Eva",
    "contact_phone": "+46 8 123",
    "preferred_date": FUTURE,
    "time_window": "morning",
    "ip_mode": "static",
    "ip_address": "10.0.0.20",
    "netmask": "255.255.255.0",
    "gateway": "10.0.0.1",
    "dns": "10.0.0.2, 10.0.0.3",
    "hostname": "",
    "description": "",
}


async def test_a_relocation_with_a_static_address_is_sent_as_the_service_expects(logged_in, fakes):
    html = (await logged_in.get(f"/devices/{DEVICE_ID}/relocation")).text
    assert checked(html, "f-ip_mode-dhcp") and checked(html, "f-time_window-all_day")
    assert '<label for="f-preferred_date">Preferred date</label>' in html
    response = await submit(
        logged_in, f"/devices/{DEVICE_ID}/relocation", f"/devices/{DEVICE_ID}/relocation", RELOCATION_FORM
    )
    assert response.status_code == 303 and response.headers["location"] == "/cases/case-2?notice=created"
    assert fakes.of("cases", "POST", CASES)[0].body == {
        "type": "relocation",
        "device_id": DEVICE_ID,
        "subject": "Relocation to Stockholm",
        "description": "",
        "relocation": {
            "street": "Sveavägen 1",
            "postal_code": "111 57",
            "city": "Stockholm",
            "region": "",
            "country": "se",
            "building": "",
            "floor": "3",
            "room": "",
            "contact_name": "Eva",
            "contact_phone": "+46 8 123",
            "preferred_date": FUTURE,
            "time_window": "morning",
            "network": {
                "ip_mode": "static",
                "hostname": None,
                "ip_address": "10.0.0.20",
                "netmask": "255.255.255.0",
                "gateway": "10.0.0.1",
                "dns": ["10.0.0.2", "10.0.0.3"],
            },
        },
    }
    page = (await logged_in.get(response.headers["location"])).text
    assert (
        "Relocation request" in page and "Fixed address (static IP)" in page and "10.0.0.2, 10.0.0.3" in page
    )


async def test_a_dhcp_relocation_sends_no_static_fields(logged_in, fakes):
    await submit(
        logged_in,
        f"/devices/{DEVICE_ID}/relocation",
        f"/devices/{DEVICE_ID}/relocation",
        {**RELOCATION_FORM, "ip_mode": "dhcp", "hostname": "mfp-3"},
    )
    assert fakes.of("cases", "POST", CASES)[0].body["relocation"]["network"] == {
        "ip_mode": "dhcp",
        "hostname": "mfp-3",
    }


async def test_a_past_preferred_date_is_shown_next_to_the_date_with_the_values_kept(logged_in):
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}/relocation",
        f"/devices/{DEVICE_ID}/relocation",
        {**RELOCATION_FORM, "preferred_date": "2020-01-01"},
    )
    assert response.status_code == 422
    html = response.text
    assert "Choose a date in the future." in field_error(html, "f-preferred_date")
    assert value_of(html, "f-preferred_date") == "2020-01-01" and value_of(html, "f-street") == "Sveavägen 1"
    assert value_of(html, "f-dns") == "10.0.0.2, 10.0.0.3"
    assert checked(html, "f-ip_mode-static") and checked(html, "f-time_window-morning")


async def test_a_removal_is_sent_and_a_past_date_is_named(logged_in, fakes):
    refused = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}/removal",
        f"/devices/{DEVICE_ID}/removal",
        {"date": "2020-01-01", "reason": "Contract ends"},
    )
    assert refused.status_code == 422
    assert "Choose a date in the future." in field_error(refused.text, "f-date")
    assert "Contract ends</textarea>" in refused.text
    done = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}/removal",
        f"/devices/{DEVICE_ID}/removal",
        {"date": FUTURE, "reason": "Contract ends"},
    )
    assert done.status_code == 303
    assert fakes.of("cases", "POST", CASES)[-1].body == {
        "type": "removal",
        "device_id": DEVICE_ID,
        "subject": "Device removal",
        "removal": {"date": FUTURE, "reason": "Contract ends"},
    }


async def test_a_stock_manager_may_not_request_a_removal(gateway, fakes):
    await logged_in_as(gateway, fakes, "stock_manager")
    device = (await gateway.get(f"/devices/{DEVICE_ID}")).text
    assert (
        f'href="/devices/{DEVICE_ID}/order"' in device
        and f'href="/devices/{DEVICE_ID}/removal"' not in device
    )
    response = await submit(
        gateway,
        f"/devices/{DEVICE_ID}/removal",
        f"/devices/{DEVICE_ID}/removal",
        {"date": FUTURE, "reason": "x"},
    )
    assert response.status_code == 403 and "Access denied" in response.text


# -- account inquiries (F-33)
async def test_an_account_inquiry_is_sent_and_a_refusal_keeps_the_form(logged_in, fakes):
    html = (await logged_in.get("/account/inquiry")).text
    assert (
        '<input type="hidden" name="account_id" value="acc-1">' in html
    )  # one administered account: no select
    assert '<option value="invoice"' in html and "Other question" in html
    refused = await logged_in.post(
        "/account/inquiry",
        data={
            "csrf_token": csrf_of(html),
            "account_id": ACCOUNT_ID,
            "topic": "",
            "subject": "Invoice 42",
            "description": "Twice charged",
        },
    )
    assert refused.status_code == 422
    assert "Choose one of the options offered." in field_error(refused.text, "f-topic")
    assert value_of(refused.text, "f-subject") == "Invoice 42" and "Twice charged</textarea>" in refused.text
    done = await logged_in.post(
        "/account/inquiry",
        data={
            "csrf_token": csrf_of(html),
            "account_id": ACCOUNT_ID,
            "topic": "invoice",
            "subject": "Invoice 42",
            "description": "Twice charged",
        },
    )
    assert done.headers["location"] == "/cases/case-2?notice=created"
    assert fakes.of("cases", "POST", CASES)[-1].body == {
        "type": "account_inquiry",
        "account_id": ACCOUNT_ID,
        "topic": "invoice",
        "subject": "Invoice 42",
        "description": "Twice charged",
    }
    page = (await logged_in.get("/cases/case-2")).text
    assert "<dt>Topic</dt><dd>Invoice</dd>" in page


async def test_the_inquiry_offers_an_account_select_to_administrators_of_several(gateway, fakes):
    fakes.me["memberships"].append(
        {
            "account_id": "acc-2",
            "account_number": "300400",
            "account_name": "Beta AB",
            "role": "administrator",
        }
    )
    original = fakes.tokens
    fakes.tokens = lambda: {
        **original(),
        "access_token": fakes.mint(
            "user-1", memberships={ACCOUNT_ID: "administrator", "acc-2": "administrator"}, language="en"
        ),
    }
    await log_in(gateway)
    html = (await gateway.get("/account/inquiry?account_id=acc-2")).text
    assert '<select id="f-account_id" name="account_id"' in html
    assert re.search(r'<option value="acc-2"\s+selected>Beta AB \(300400\)</option>', html)


async def test_only_administrators_get_the_inquiry_form(gateway, fakes):
    await logged_in_as(gateway, fakes, "device_manager")
    assert (await gateway.get("/account/inquiry")).status_code == 403
    assert 'href="/account/inquiry"' not in (await gateway.get("/")).text


# -- the device page (F-31)
async def test_the_device_page_shows_assigned_users_actions_and_the_location_form(logged_in, fakes):
    html = (await logged_in.get(f"/devices/{DEVICE_ID}")).text
    assert "Assigned users" in html and "Luis Pérez" in html
    for action in ("order", "relocation", "removal"):
        assert f'href="/devices/{DEVICE_ID}/{action}"' in html
    assert f'href="/cases/new?device_id={DEVICE_ID}"' in html
    assert 'action="/devices/dev-1/location"' in html and value_of(html, "f-room") == "201"
    assert 'id="f-country"' not in html  # the country comes from the vendor's CRM


async def test_the_location_is_patched_and_a_refusal_is_shown_next_to_the_field(logged_in, fakes):
    place = {
        "street": "Calle Mayor 1",
        "postal_code": "28013",
        "city": "Madrid",
        "region": "",
        "building": "C",
        "floor": "4",
        "room": "410",
        "contact_name": "Luis",
        "contact_phone": "+34 600 000 000",
    }
    done = await submit(logged_in, f"/devices/{DEVICE_ID}", f"/devices/{DEVICE_ID}/location", place)
    assert done.headers["location"] == f"/devices/{DEVICE_ID}?notice=location#device-location"
    assert fakes.of("accounts", "PATCH", LOCATION)[0].body == place
    page = (await logged_in.get(done.headers["location"])).text
    assert "The location has been updated." in page and "<dd>410</dd>" in page
    refused = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}",
        f"/devices/{DEVICE_ID}/location",
        {**place, "postal_code": "9" * 25},
    )
    assert refused.status_code == 422
    assert "Enter at most 20 characters." in field_error(refused.text, "f-postal_code")
    assert value_of(refused.text, "f-postal_code") == "9" * 25


async def test_a_stock_manager_sees_no_location_form_and_is_refused(gateway, fakes):
    await logged_in_as(gateway, fakes, "stock_manager")
    html = (await gateway.get(f"/devices/{DEVICE_ID}")).text
    assert 'action="/devices/dev-1/location"' not in html and "Assigned users" not in html
    response = await gateway.post(
        f"/devices/{DEVICE_ID}/location", data={"csrf_token": csrf_of(html), "street": "x"}
    )
    assert response.status_code == 403 and "Access denied" in response.text


# -- the case page and the dashboard (F-30, F-32, F-71)
def shipped_order(fakes) -> dict:
    now = dt.datetime.now(dt.UTC)
    order = {
        **fakes.cases[CASE_ID],
        "id": "case-3",
        "number": "CS-2026-000130",
        "type": "consumables",
        "category": "consumables",
        "subject": "Order: 2 × Toner black",
        "tracking_reference": "TRK-991",
        "carrier": "DHL",
        "details": {
            "items": [{"sku": "TN-BK", "kind": "toner_black", "name": "Toner black C-EXV 54", "quantity": 2}],
            "shipping": {
                "use_device_location": True,
                "instructions": "",
                "street": "Calle Mayor 1",
                "postal_code": "28013",
                "city": "Madrid",
                "country": "ES",
            },
        },
        "timeline": [
            {
                "kind": "created",
                "at": (now - dt.timedelta(hours=3)).isoformat(),
                "actor_id": "user-1",
                "actor_name": "Ana García",
                "actor_side": "customer",
            },
            {
                "kind": "shipment",
                "at": (now - dt.timedelta(hours=2)).isoformat(),
                "actor_id": "logistics",
                "actor_name": "",
                "actor_side": "vendor",
                "status": "shipped",
                "tracking_reference": "TRK-991",
                "carrier": "DHL",
            },
        ],
    }
    fakes.cases["case-3"] = order
    return order


def relocation_case(fakes) -> dict:
    now = dt.datetime.now(dt.UTC)
    case = {
        **fakes.cases[CASE_ID],
        "id": "case-4",
        "number": "CS-2026-000131",
        "type": "relocation",
        "category": "relocation",
        "subject": "Relocation of SN-4711 to Stockholm",
        "status": "new",
        "details": {
            "street": "Sveavägen 1",
            "postal_code": "111 57",
            "city": "Stockholm",
            "country": "SE",
            "contact_name": "Eva",
            "contact_phone": "+46 8 123",
            "preferred_date": "2030-05-06",
            "time_window": "afternoon",
            "network": {"ip_mode": "dhcp", "hostname": None},
        },
        "timeline": [
            {
                "kind": "visit",
                "at": (now - dt.timedelta(hours=1)).isoformat(),
                "actor_id": "fieldservice",
                "actor_name": "",
                "actor_side": "vendor",
                "status": "scheduled",
                "scheduled_for": "2030-05-06T13:00:00+00:00",
                "technician": "Nils",
                "body": "Bring the stand.",
            }
        ],
    }
    fakes.cases["case-4"] = case
    return case


@pytest.mark.parametrize(
    "language, phrases",
    [
        (
            "es",
            [
                "Artículos pedidos",
                "Tóner negro",
                "Número de seguimiento",
                "TRK-991",
                "Transportista",
                "DHL",
                "Logística",
                "Envío: Enviado",
                "Servicio técnico: Visita programada",
                "Técnico: Nils",
                "Bring the stand.",
                "Tarde",
                "6 may 2030",
                "Dirección automática (DHCP)",
            ],
        ),
        (
            "sv",
            [
                "Beställda artiklar",
                "Svart toner",
                "Spårningsnummer",
                "Transportör",
                "Logistik",
                "Leverans: Skickad",
                "Fältservice: Besök inplanerat",
                "Tekniker: Nils",
                "Eftermiddag",
                "6 maj 2030",
                "Automatisk adress (DHCP)",
            ],
        ),
    ],
)
async def test_the_case_page_shows_details_and_fulfilment_in_the_user_language(
    gateway, fakes, language, phrases
):
    shipped_order(fakes)
    relocation_case(fakes)
    await logged_in_as(gateway, fakes, "administrator", language)
    html = (await gateway.get("/cases/case-3")).text + (await gateway.get("/cases/case-4")).text
    for phrase in phrases:
        assert phrase in html, phrase


async def test_the_dashboard_shows_orders_on_their_way_and_requests_in_progress(logged_in, fakes):
    shipped_order(fakes)
    relocation_case(fakes)
    fakes.cases["case-5"] = {
        **fakes.cases["case-3"],
        "id": "case-5",
        "number": "CS-2026-000132",
        "tracking_reference": None,
    }  # not shipped yet: an open order all the same
    html = (await logged_in.get("/")).text
    orders = section_of(html, "orders-on-their-way")
    assert "CS-2026-000130" in orders and "TRK-991" in orders
    assert "CS-2026-000132" in orders and "Not shipped yet" in orders
    requests = section_of(html, "requests-in-progress")
    assert "CS-2026-000131" in requests and "Relocation" in requests and "CS-2026-000123" not in requests
    assert "CS-2026-000130" not in section_of(html, "open-cases")  # each case in one section only
    queries = [call.query for call in fakes.of("cases", "GET", CASES)]
    assert any("type=consumables" in q and "status=in_progress" in q for q in queries)
    assert any("type=account_inquiry" in q and "type=removal" in q and "status=new" in q for q in queries)


async def test_the_dashboard_says_when_nothing_is_on_its_way(logged_in):
    html = (await logged_in.get("/")).text
    assert "No orders are on their way to you." in html
    assert "You have no relocation, removal or account requests in progress." in html
