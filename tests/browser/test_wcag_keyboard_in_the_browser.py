"""With the keyboard alone (Tab, Shift+Tab, Enter, Space; no mouse), a customer reports a problem, submits a meter
reading, orders a supply and replies to a case, and every element reached shows where the focus is (WCAG 2.1.1,
2.4.7). On a phone the header is one row whose menu opens from the keyboard."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser
ADMIN, SUPERVISOR = "admin@iberica.example", "supervisor@canon.example"
# A device no other test submits readings for, orders from or reports this category on.
SERIAL, CATEGORY = "ES3930C0005", "noise_damage"
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}
MOST_TABS = 60

# The focused element's outline and shadow beside those of an unfocused copy of it in the same place: the focus
# is visible when the focused one draws an outline or a shadow the copy does not.
FOCUS_STYLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return {visible: false, element: "nothing focused"};
  const look = style => ({outline: style.outlineStyle === "none" ? "" : style.outlineStyle + " "
      + style.outlineWidth + " " + style.outlineColor, shadow: style.boxShadow === "none" ? "" : style.boxShadow});
  const focused = look(getComputedStyle(element));
  const copy = element.cloneNode(false);
  copy.removeAttribute("id");
  element.parentNode.insertBefore(copy, element);
  const unfocused = look(getComputedStyle(copy));
  copy.remove();
  const drawn = (focused.outline && parseFloat(getComputedStyle(element).outlineWidth) > 0) || focused.shadow;
  const differs = focused.outline !== unfocused.outline || focused.shadow !== unfocused.shadow;
  return {visible: Boolean(drawn && differs), element: element.outerHTML.slice(0, 160), focused, unfocused};
}"""


def assert_focus_visible(page: Page) -> None:
    style = page.evaluate(FOCUS_STYLE)
    assert style["visible"], f"the focus is not visible on {style}"


def press(page: Page, key: str) -> None:
    """A key that moves the focus; the element it lands on must show it."""
    page.keyboard.press(key)
    assert_focus_visible(page)


def tab_to(page: Page, selector: str, key: str = "Tab") -> None:
    """Tab (or Shift+Tab) until the focus is on an element matching the selector, checking each stop on the way."""
    for _ in range(MOST_TABS):
        press(page, key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {key} in {MOST_TABS} presses")


def choose(page: Page, value: str) -> None:
    """The focused select's option `value`, with the arrow keys."""
    for _ in range(MOST_TABS):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value} not reached")


def skip_to_main(page: Page) -> None:
    """The first Tab reaches the skip link; Enter on it puts the focus on the page's content."""
    press(page, "Tab")
    assert page.evaluate("() => document.activeElement.matches('.skip-link')")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def device_id(system) -> str:
    with system.client(system.login(ADMIN)) as api:
        return next(
            d["id"] for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == SERIAL
        )


@pytest.fixture
def customer(new_page) -> Page:
    page = new_page("en-GB")
    log_in(page, ADMIN)
    return page


def test_a_problem_is_reported_and_answered_with_the_keyboard(customer, system):
    device = device_id(system)
    customer.goto("/cases/new")
    skip_to_main(customer)
    tab_to(customer, "#f-device_id")
    choose(customer, device)
    tab_to(customer, "#f-category")
    choose(customer, CATEGORY)
    tab_to(customer, "#f-subject")
    customer.keyboard.type("Rattling noise from the finisher")
    tab_to(customer, "#f-description")
    customer.keyboard.type("It rattles on every stapled copy.")
    tab_to(customer, "form[action='/cases/new'] button[type=submit]")
    tab_to(customer, "#f-subject", "Shift+Tab")  # back up to check the subject, then on again
    tab_to(customer, "form[action='/cases/new'] button[type=submit]")
    customer.keyboard.press("Enter")
    expect(customer).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))

    # The reply to the case just opened: the message typed, the button pressed with Space.
    skip_to_main(customer)
    tab_to(customer, "#f-body")
    customer.keyboard.type("It also happens on single copies.")
    tab_to(customer, "form[data-action='reply'] button[type=submit]")
    customer.keyboard.press("Space")
    expect(customer.locator("main")).to_contain_text("It also happens on single copies.")


def test_a_meter_reading_is_submitted_with_the_keyboard(customer, system):
    device = device_id(system)
    with system.client(system.login(ADMIN)) as api:
        readings = api.get(f"/api/meters/v1/devices/{device}/readings").json()
    latest = (readings.get("latest") or {}).get("counters") or {}
    customer.goto(f"/devices/{device}")
    skip_to_main(customer)
    form = "form[data-action='submit_reading']"
    for counter in customer.locator(f"{form} input[type=number], {form} input[inputmode=numeric]").all():
        name = counter.get_attribute("name") or ""
        tab_to(customer, f"{form} input[name='{name}']")
        customer.keyboard.type(str(int(latest.get(name, 0)) + 10))
    tab_to(customer, f"{form} button[type=submit]")
    customer.keyboard.press("Enter")
    expect(customer).to_have_url(re.compile(r"notice=reading"))


def test_a_waste_toner_box_is_ordered_with_the_keyboard(customer, system):
    device = device_id(system)
    customer.goto(f"/devices/{device}/order")
    skip_to_main(customer)
    tab_to(customer, "input[name$='-WASTE']")
    customer.keyboard.type("1")
    tab_to(customer, "input[name=ship_to][value=device]")
    customer.keyboard.press("Space")  # deliver to the device's location, chosen already: Space keeps it
    tab_to(customer, "form[action$='/order'] button[type=submit]")
    customer.keyboard.press("Enter")
    expect(customer).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))
    expect(customer.locator("main")).to_contain_text("Waste toner box")


@pytest.mark.parametrize("email", [SUPERVISOR, ADMIN, None])
def test_the_phone_header_is_one_row_and_its_menu_opens_with_the_keyboard(browser, system, email):
    context = browser.new_context(base_url=system.gateway, locale="sv-SE", viewport=PHONE)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        if email:
            log_in(page, email)
        page.goto("/help/guides" if email else "/login")
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] < 80, header
        first_link = page.locator(".site-menu-panel a").first  # the navigation, or the languages
        expect(first_link).to_be_hidden()
        tab_to(page, ".site-menu > summary")
        page.keyboard.press("Enter")
        expect(page.locator(".site-menu")).to_have_attribute("open", "")
        expect(first_link).to_be_visible()
        press(page, "Tab")
        assert page.evaluate("() => document.activeElement.closest('.site-menu-panel') !== null")
        assert page.locator(".site-header").bounding_box() == header  # the menu opens over the page
        assert_accessible(page, f"with the phone's menu open ({email or 'not logged in'})")
    finally:
        context.close()


def test_on_a_laptop_the_navigation_shows_without_a_menu(browser, system):
    context = browser.new_context(base_url=system.gateway, locale="en-GB", viewport=LAPTOP)
    try:
        page = context.new_page()
        log_in(page, ADMIN)
        expect(page.locator(".site-menu > summary")).to_be_hidden()
        expect(page.locator(".main-nav a").first).to_be_visible()
        expect(page.locator(".logout-form button")).to_be_visible()
    finally:
        context.close()
