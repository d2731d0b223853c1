"""In a real browser, each customer role finds exactly the actions it may take (SPEC §1) on the dashboard, a
device page and the case pages: the pages show what the services allow and nothing else. Every action
element carries `data-action`."""

import pytest
from playwright.sync_api import Page

from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser
ADMIN, MANAGER, STOCK = "admin@iberica.example", "devices@iberica.example", "stock@iberica.example"
BOTH, KNOWLEDGE = "both@iberica.example", "knowledge@iberica.example"
EVERY_DEVICE_ACTION = {
    "report_problem",
    "order_supplies",
    "request_relocation",
    "request_removal",
    "update_location",
    "submit_reading",
}
MANAGER_DEVICE_ACTIONS = EVERY_DEVICE_ACTION - {"order_supplies"}
OPEN_CASE_ACTIONS = {"reply", "status:cancelled"}  # a new case: the customer replies or cancels it
# Who follows a case depends on who wrote it and who else was added: checked apart (a customer who sees a case
# either follows it or may follow it; only an administrator may add a colleague).
FOLLOWING = {"follow", "unfollow", "add_follower"}

# The dashboard suggests ordering a toner running low to who keeps the supplies, unless an order for it is open
# (which earlier tests may have placed): checked apart.
ORDER_TONER = "order_toner"
KEEP_SUPPLIES = {ADMIN, STOCK, BOTH}

# login -> (dashboard, device page's serial and actions, incident page, supplies order page); None: not found
EXPECTED = {
    ADMIN: (
        {"report_problem", "ask_about_account"},
        ("ES3826C0002", EVERY_DEVICE_ACTION),
        OPEN_CASE_ACTIONS,
        OPEN_CASE_ACTIONS,
    ),
    MANAGER: ({"report_problem"}, ("ES3826C0002", MANAGER_DEVICE_ACTIONS), OPEN_CASE_ACTIONS, None),
    STOCK: (set(), ("ES3826C0002", {"order_supplies"}), None, OPEN_CASE_ACTIONS),
    BOTH: ({"report_problem"}, ("ES5860A0003", EVERY_DEVICE_ACTION), None, OPEN_CASE_ACTIONS),
    KNOWLEDGE: (set(), ("ES3826C0002", None), None, None),
}


def devices_by_serial(system) -> dict[str, dict]:
    with system.client(system.login(ADMIN)) as api:
        return {d["serial"]: d for d in api.get("/api/accounts/v1/devices").json()["items"]}


def open_case(system, email: str, body: dict) -> str:
    with system.client(system.login(email)) as api:
        response = api.post("/api/cases/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture(scope="module")
def cases(system) -> dict[str, str]:
    """An incident on a device of the Device Manager and the Stock Manager (which only the administrator and
    the device manager may see), and a supplies order on the device of the Stock Manager and of the
    Device & Stock Manager."""
    devices = devices_by_serial(system)
    incident = {
        "type": "incident",
        "device_id": devices["ES3826C0002"]["id"],
        "category": "paper_jam",
        "subject": "Jam in tray 1",
        "description": "Every second page.",
    }
    order = {
        "type": "consumables",
        "device_id": devices["ES5860A0003"]["id"],
        "items": [{"sku": "C5860i-T-B", "quantity": 1}],
        "shipping": {"use_device_location": True},
    }
    return {"incident": open_case(system, ADMIN, incident), "order": open_case(system, STOCK, order)}


def actions_on(page: Page, path: str) -> set[str] | None:
    """The actions a page offers; None when the page answers 404."""
    response = page.goto(path)
    if response is not None and response.status == 404:
        return None
    assert response is not None and response.ok, path
    actions = [element.get_attribute("data-action") for element in page.locator("main [data-action]").all()]
    found = {action for action in actions if action is not None}  # every element matched has one
    if found & FOLLOWING:
        assert len(found & {"follow", "unfollow"}) == 1, (path, found)
    return found - FOLLOWING


@pytest.mark.parametrize("email", list(EXPECTED))
def test_each_role_finds_exactly_its_actions(new_page, system, cases, email):
    dashboard, (serial, device_actions), incident_actions, order_actions = EXPECTED[email]
    device_id = devices_by_serial(system)[serial]["id"]
    page = new_page("es-ES")
    log_in(page, email)
    on_dashboard = actions_on(page, "/") or set()
    assert on_dashboard - {ORDER_TONER} == dashboard
    assert ORDER_TONER not in on_dashboard or email in KEEP_SUPPLIES
    assert actions_on(page, f"/devices/{device_id}") == device_actions
    assert actions_on(page, f"/cases/{cases['incident']}") == incident_actions
    assert actions_on(page, f"/cases/{cases['order']}") == order_actions


def test_the_stock_manager_gets_no_problem_form_and_the_knowledge_user_no_devices(new_page, system):
    page = new_page("es-ES")
    log_in(page, STOCK)
    page.goto("/cases/new")
    assert page.locator("form[action='/cases/new']").count() == 0
    knowledge = new_page("es-ES")
    log_in(knowledge, KNOWLEDGE)
    assert actions_on(knowledge, "/devices") == set()
    assert knowledge.locator("main a[href^='/devices/']").count() == 0
