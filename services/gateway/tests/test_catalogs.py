"""Every text of the portal has a Spanish and a Swedish translation, and the placeholders match."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent.parent / "gateway"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def extracted_messages() -> set[str | tuple[str, str]]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"extensions": ""}}
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalog(language: str):
    with (PACKAGE / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_extraction_finds_the_templates_and_the_labels():
    messages = extracted_messages()
    assert "Skip to main content" in messages  # from a template
    assert "Waiting for customer" in messages  # from gateway/web/labels.py
    assert len(messages) > 150


@pytest.mark.parametrize("language", ["es", "sv"])
def test_every_message_is_translated(language):
    translations = catalog(language)
    untranslated = []
    for message in extracted_messages():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = translations.get(msgid)
        if entry is None or entry.fuzzy:
            untranslated.append(msgid)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(s.strip() for s in strings):
            untranslated.append(msgid)
    assert not untranslated, f"{language}: missing {sorted(untranslated)}"


@pytest.mark.parametrize("language", ["es", "sv"])
def test_translations_keep_the_placeholders(language):
    for entry in catalog(language):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (language, entry.id, string)
