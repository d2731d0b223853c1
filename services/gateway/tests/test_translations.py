"""Every word a visitor reads is in Spanish and Swedish too: each problem code any service answers with has a text,
each value of the portal's vocabularies a label, and each of those renders in es and sv with its params filled in
and no English left."""

import ast
import enum
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Literal, get_args, get_origin

import pytest
from babel.messages.pofile import read_po
from pydantic import BaseModel

from gateway.web import labels
from gateway.web.refusals import MESSAGES, PARAM_LABELS, localized
from gateway.web.visit import PACKAGE_DIR, Visit
from shared.errors import PYDANTIC_CODES, STATUS_CODES
from shared.events import accounts, cases, meters, vendor
from shared.i18n import Catalogs

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "shared", *(path for path in (ROOT / "services").glob("*/*") if path.is_dir())]
# Where a call names a problem code: by keyword, or as the n-th positional argument.
CODE_KEYWORDS = {"code", "field_code"}
CODE_POSITIONS = {"conflict": 0, "InvalidValue": 0, "token_problem": 1, "field_issue": 1, "_field": 1}
# Texts that are the same word in the language (a proper name, a loanword).
SAME_IN = {
    "es": {"Error:", "Supervisor", "No", "%(hours)s h", "Magenta"},
    "sv": {
        "Status",
        "Incident",
        "System",
        "Cyan toner",
        "Gateway",
        "Magenta toner",
        "Guide",
        "Problem",
        "Version",
        "Cyan",
        "Magenta",
    },
}


def application_files():
    for source in SOURCES:
        for path in source.rglob("*.py"):
            if "tests" not in path.relative_to(ROOT).parts and "migrations" not in path.parts:
                yield path


def called_name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def codes_in(tree: ast.AST) -> set[str]:
    found = set()
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        values = [k.value for k in call.keywords if k.arg in CODE_KEYWORDS]
        position = CODE_POSITIONS.get(called_name(call))
        if position is not None and len(call.args) > position:
            values.append(call.args[position])
        found |= {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return found


def problem_codes() -> set[str]:
    used = set(PYDANTIC_CODES.values()) | set(STATUS_CODES.values())
    for path in application_files():
        used |= codes_in(ast.parse(path.read_text(encoding="utf-8")))
    return used


def test_the_scan_finds_the_codes_of_every_service():
    codes = problem_codes()
    assert {
        "case_closed",
        "lower_than_previous",
        "last_administrator",
        "too_many",
        "invitation_expired",
    } <= codes
    assert {"required", "too_long", "too_many_requests", "must_be_future", "upstream_unavailable"} <= codes


def test_every_problem_raised_names_its_code():
    uncoded = []
    for path in application_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = isinstance(node, ast.Call) and called_name(node) == "Problem"
            if named and not any(keyword.arg == "code" for keyword in node.keywords):
                uncoded.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert uncoded == []


def test_every_problem_code_has_a_text():
    assert sorted(problem_codes() - set(MESSAGES)) == []


def literal_values(annotation: Any) -> set[str]:
    if get_origin(annotation) is Literal:
        return {value for value in get_args(annotation) if isinstance(value, str)}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {str(member.value) for member in annotation}
    return set().union(*(literal_values(arg) for arg in get_args(annotation)))


def vocabularies_of(module: ModuleType) -> dict[str, set[str]]:
    found = {}
    for name, value in vars(module).items():
        if isinstance(value, type) and issubclass(value, BaseModel):
            for field_name, info in value.model_fields.items():
                if values := literal_values(info.annotation):
                    found[f"{name}.{field_name}"] = values
        elif values := literal_values(value):
            found[name] = values
    return found


def vocabularies() -> dict[str, set[str]]:
    found = {}
    for module in (accounts, cases, meters, vendor):
        found |= {f"{module.__name__}.{name}": values for name, values in vocabularies_of(module).items()}
    return found


def test_every_value_of_every_vocabulary_has_a_label():
    found = vocabularies()
    assert any(values >= {"waiting_for_customer"} for values in found.values())  # the scan sees the contracts
    unlabelled = {
        name: sorted(values)
        for name, values in found.items()
        if len(values) > 1 and not any(values <= set(kind) for kind in labels.KINDS.values())
    }
    assert unlabelled == {}
    single = set().union(*(values for values in found.values() if len(values) == 1))
    assert sorted(single - set().union(*labels.KINDS.values())) == []


def visit_in(language: str) -> Visit:
    web = SimpleNamespace(catalogs=Catalogs(PACKAGE_DIR / "locales"))
    return Visit(request=None, web=web, language=language, time_zone="Europe/Madrid")  # type: ignore[arg-type]


SAMPLE_PARAMS = {
    "min_length": 3,
    "max_length": 20,
    "limit": 4,
    "number": "CS-2026-000003",
    "status": "cancelled",
    "from_status": "resolved",
    "to_status": "new",
    "sku": "TN-BK",
    "item": "Toner C-EXV 54",
    "max": 4,
    "counter": "colour",
    "date": "2026-03-02",
    "previous": 900,
    "next": 1200,
    "implied": 9876,
    "usual": 120,
    "type": "removal",
    "category": "paper_jam",
    "first_year": "2000",
    "last_year": "2100",
    "department": "supplies",
    "weeks": 53,
}


@pytest.mark.parametrize("language", ["es", "sv"])
def test_every_problem_text_renders_in_the_language_with_its_params(language):
    english, visitor = visit_in("en"), visit_in(language)
    for code in MESSAGES:
        shown = localized(visitor, code, SAMPLE_PARAMS, "invalid")
        assert "%(" not in shown, (code, shown)
        assert shown != localized(english, code, SAMPLE_PARAMS, "invalid"), (language, code)


@pytest.mark.parametrize("language", ["es", "sv"])
def test_params_that_are_codes_are_shown_by_their_labels(language):
    visitor = visit_in(language)
    shown = localized(visitor, "case_closed", {"number": "CS-1", "status": "cancelled"}, "invalid")
    assert visitor.label("status", "cancelled") in shown and "cancelled" not in shown
    assert set(PARAM_LABELS.values()) <= set(labels.KINDS)


@pytest.mark.parametrize("language", ["es", "sv"])
def test_no_translation_is_left_in_english(language):
    with (PACKAGE_DIR / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    same = {m.id for m in catalog if m.id and m.string == m.id and m.id not in SAME_IN[language]}
    assert sorted(same) == []
    everything = set(MESSAGES.values()).union(*(kind.values() for kind in labels.KINDS.values()))
    translated = {m.id for m in catalog if m.id and m.string}
    assert sorted(everything - translated - set(labels.LANGUAGE_NAMES.values())) == []


@pytest.mark.parametrize("language", ["es", "sv"])
def test_every_case_category_has_a_label_whatever_the_type(language):
    """A supplies order's category is its type and an inquiry's its topic: neither is shown as a bare code."""
    visitor = visit_in(language)
    for category in ("consumables", "relocation", "removal", "invoice", "contract", "billing", "paper_jam"):
        assert visitor.label("category", category) not in (category, labels.CATEGORIES[category]), category


@pytest.mark.parametrize("language", ["es", "sv"])
def test_each_text_is_translated_once(language):
    """Babel keeps the last of two entries for one text silently; gettext's tools refuse the catalog."""
    path = PACKAGE_DIR / "locales" / language / "LC_MESSAGES" / "messages.po"
    ids = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith('msgid "')]
    repeated = {line for line in ids if ids.count(line) > 1 and line != 'msgid ""'}
    assert sorted(repeated) == []
