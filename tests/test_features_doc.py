"""docs/features.md, the map from each feature ID to its code, pages, events and tests, stays true: every
repository path it names exists (and every test it names by `file::test_name` is defined in that file), and its
tables list each feature once, in order, without a gap within a section."""

import itertools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "features.md"
TEMPLATES = ROOT / "services" / "gateway" / "gateway" / "templates"

# A repository path in backticks: it starts with a top-level folder or file of the repository, optionally
# followed by `::test_name`. Page templates are named relative to the gateway's templates folder.
ROOT_ENTRIES = ("services/", "shared/", "tests/", "docs/", "deploy/", "bench/", ".ci/")
ROOT_FILES = ("Dockerfile", "docker-compose.yml", "Makefile", "pyproject.toml", "README.md", "conftest.py")
CODE_SPAN = re.compile(r"`([^`\s]+)`")
TABLE_ROW_ID = re.compile(r"^\|\s*(F-\d{2})\s*\|", re.MULTILINE)
ANY_ID = re.compile(r"\bF-\d{2}\b")


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def named_paths(text: str) -> list[str]:
    spans = CODE_SPAN.findall(text)
    return [span for span in spans if span.startswith(ROOT_ENTRIES) or span in ROOT_FILES]


def named_templates(text: str) -> list[str]:
    spans = CODE_SPAN.findall(text)
    return [span for span in spans if span.endswith(".html") and not span.startswith(ROOT_ENTRIES)]


def listed_ids(text: str) -> list[str]:
    return TABLE_ROW_ID.findall(text)


def defines(test_file: Path, test_name: str) -> bool:
    pattern = rf"^(async )?def {re.escape(test_name)}\("
    return re.search(pattern, test_file.read_text(encoding="utf-8"), re.MULTILINE) is not None


def test_the_doc_names_paths_and_templates():
    text = doc_text()
    assert len(named_paths(text)) > 50
    assert len(named_templates(text)) > 10


def test_every_named_path_exists():
    missing = []
    for span in sorted(set(named_paths(doc_text()))):
        path, _, test_name = span.partition("::")
        target = ROOT / path
        if not target.exists() or (test_name and not defines(target, test_name)):
            missing.append(span)
    assert not missing, f"docs/features.md names what the repository does not have: {missing}"


def test_every_named_template_exists():
    missing = [name for name in sorted(set(named_templates(doc_text()))) if not (TEMPLATES / name).is_file()]
    assert not missing, f"docs/features.md names templates that do not exist: {missing}"


def test_each_feature_is_listed_once_in_order_without_gaps():
    ids = listed_ids(doc_text())
    assert ids, "docs/features.md lists no feature"
    assert len(ids) == len(set(ids)), f"listed more than once: {sorted({i for i in ids if ids.count(i) > 1})}"
    numbers = [int(i[2:]) for i in ids]
    assert numbers == sorted(numbers), f"features out of order: {ids}"
    assert numbers[0] == 1, "the list starts at F-01"
    # Within one section (one tens digit) the numbers follow each other, starting at x0 (F-01 for identity).
    for previous, current in itertools.pairwise(numbers):
        if current // 10 == previous // 10:
            assert current == previous + 1, f"a gap between F-{previous:02d} and F-{current:02d}"
        else:
            assert current % 10 == 0, f"section starting at F-{current:02d} misses its first feature"


def test_every_feature_mentioned_is_a_listed_one():
    text = doc_text()
    unknown = sorted(set(ANY_ID.findall(text)) - set(listed_ids(text)))
    assert not unknown, f"mentioned but not listed: {unknown}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("| F-01 | x |\n| F-02 | y |\n| F-10 | z |", ["F-01", "F-02", "F-10"]),
        ("see F-12 in `services/x/`", []),
    ],
)
def test_ids_are_read_from_table_rows_only(text, expected):
    assert listed_ids(text) == expected
