"""Screenshots of the finished pages at a desk's and at a phone's width, kept as CI artefacts (var/ is not
committed): var/screenshots/<page>-<language>-desk.png and -phone.png."""

from pathlib import Path

from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {"desk": (1366, 768), "phone": (390, 844)}


def screenshot(page: Page, name: str) -> None:
    """The whole page at both widths; the page is left at the desk's width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width_name}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
