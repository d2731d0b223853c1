"""Short functions: no function of the application (the services' packages, the shared library, the launcher)
is longer than 60 lines. Migrations are data, not logic, and tests are left to their own judgement."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LONGEST = 60


def application_files() -> list[Path]:
    packages = [path for path in (ROOT / "services").glob("*/*") if (path / "__init__.py").exists()]
    files = [
        file for package in [*packages, ROOT / "shared", ROOT / "deploy"] for file in package.rglob("*.py")
    ]
    return sorted(file for file in files if not {"tests", "migrations"} & set(file.relative_to(ROOT).parts))


def long_functions(source: str) -> list[tuple[str, int]]:
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST
    ]


def test_the_check_finds_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(LONGEST))
    assert long_functions(f"def long():\n{body}\n") == [("long", LONGEST + 1)]
    assert long_functions("def short():\n    return 1\n") == []


def test_the_scan_covers_every_service_and_the_shared_library():
    parts = {file.relative_to(ROOT).parts[:2] for file in application_files()}
    for service in ("accounts", "cases", "meters", "notifications", "gateway"):
        assert ("services", service) in parts
    assert any(part[0] == "shared" for part in parts)


def test_no_application_function_is_longer_than_60_lines():
    found = [
        f"{file.relative_to(ROOT)}: {name} has {length} lines"
        for file in application_files()
        for name, length in long_functions(file.read_text(encoding="utf-8"))
    ]
    assert found == []
