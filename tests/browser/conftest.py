"""Playwright driving the system's Chromium (installed from Debian's packages; nothing is downloaded)."""

import pytest
from playwright.sync_api import sync_playwright

from shared.testing import chromium_path

# Without these, Chromium keeps reaching for the network, which this machine refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser(system):
    # Playwright's sync API runs an event loop in this thread: start it after the system is up, stop it
    # before anything else needs asyncio.
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, system):
    contexts = []

    def open_page(locale: str = "en-GB"):
        context = browser.new_context(base_url=system.gateway, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
