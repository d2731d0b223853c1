"""axe-core (bundled by axe-playwright-python, nothing fetched at run time) on a Playwright page: the WCAG 2.0,
2.1 and 2.2 A and AA rules, and the violations a person would be stopped by (serious or critical)."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = frozenset({"serious", "critical"})
AXE = Axe()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations of the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = AXE.run(page, options=options)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]], where: str = "") -> str:
    """One line per rule (id, impact, help and its link), then the selectors of the elements that break it."""
    lines = [f"{len(violations)} serious or critical accessibility violation(s) {where}".rstrip()]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").strip().splitlines()[-1:]  # the fix it asks for
            lines.append(f"    {target}: {' '.join(summary).strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str = "") -> None:
    violations = serious_violations(page)
    assert not violations, describe(violations, where or page.url)
