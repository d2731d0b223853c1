"""Roles and case statuses are named through their enums (`shared.events.vocabulary`), never as string literals
in application code: a rule written with a literal is a rule the next rename silently misses."""

import re
from pathlib import Path

from shared.events.vocabulary import CaseStatus, CustomerRole, StaffRole

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY = ROOT / "shared" / "events" / "vocabulary.py"
SUFFIXES = {".py", ".html", ".txt"}  # code and the page and email templates
WORDS = sorted({member.value for enum in (CustomerRole, StaffRole, CaseStatus) for member in enum})
ALTERNATIVES = "|".join(map(re.escape, WORDS))
QUOTED = re.compile(rf"""(["'])({ALTERNATIVES})\1""")


def application_files() -> list[Path]:
    packages = [path for path in (ROOT / "services").glob("*/*") if (path / "__init__.py").exists()]
    files = [file for package in [*packages, ROOT / "shared"] for file in package.rglob("*")]
    return sorted(
        file
        for file in files
        if file.suffix in SUFFIXES
        and file != VOCABULARY
        and not {"tests", "migrations", "locales"} & set(file.relative_to(ROOT).parts)
    )


def literals(line: str) -> list[str]:
    return [match.group(0) for match in QUOTED.finditer(line)]


def literals_in(files: list[Path]) -> list[str]:
    return [
        f"{file.relative_to(ROOT)}:{number}: {literal}"
        for file in files
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1)
        for literal in literals(line)
    ]


def test_the_scan_covers_every_service_and_the_shared_library():
    scanned = application_files()
    packages = {file.relative_to(ROOT).parts[:2] for file in scanned}
    for service in ("accounts", "cases", "meters", "notifications", "gateway"):
        assert ("services", service) in packages
    assert ROOT / "shared" / "auth.py" in scanned and VOCABULARY not in scanned
    assert any(file.suffix == ".html" for file in scanned) and any(file.suffix == ".txt" for file in scanned)


def test_the_scan_finds_quoted_roles_and_statuses_only():
    assert literals("""if role == "administrator" or status == 'waiting_for_customer':""") == [
        '"administrator"',
        "'waiting_for_customer'",
    ]
    assert literals("CustomerRole.ADMINISTRATOR, '/cases/new', \"newer\", administrator") == []


def test_no_role_or_status_literal_in_application_code():
    found = literals_in(application_files())
    assert found == [], "name these through shared.events.vocabulary:\n" + "\n".join(found)
