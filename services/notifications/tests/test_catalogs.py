"""Every text of every email is translated into Spanish and Swedish, with the same placeholders,
and every kind renders in every language."""

import re
from datetime import UTC, date, datetime
from enum import Enum
from typing import get_args

import pytest
from babel.messages.pofile import read_po
from jinja2.ext import extract_from_ast

from notifications.emails.render import (
    COUNTER_WORDS,
    KINDS,
    LOCALES,
    PROBLEM_WORDS,
    ROLE_WORDS,
    STATUS_WORDS,
    TEMPLATES,
    EmailRenderer,
)
from shared.events.accounts import Role
from shared.events.cases import CaseStatus

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def used_messages() -> set[str]:
    env = EmailRenderer("http://portal").env
    found = (
        set(STATUS_WORDS.values())
        | set(ROLE_WORDS.values())
        | set(COUNTER_WORDS.values())
        | set(PROBLEM_WORDS.values())
    )
    for path in TEMPLATES.iterdir():
        for _line, _function, message in extract_from_ast(
            env.parse(path.read_text()), gettext_functions=("_",)
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", ["es", "sv"])
def test_every_message_is_translated_with_the_same_placeholders(language):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for msgid in used_messages():
        message = catalog.get(msgid)
        assert message is not None and message.string, f"{language}: no translation of {msgid!r}"
        assert not message.fuzzy, f"{language}: fuzzy translation of {msgid!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(msgid)), msgid
    unused = {m.id for m in catalog if m.id} - used_messages()
    assert not unused, f"{language}: messages no template uses: {unused}"


@pytest.mark.parametrize("language", ["es", "sv"])
def test_no_translation_is_left_in_english(language):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    assert sorted(m.id for m in catalog if m.id and m.string == m.id) == []


def values_of(vocabulary) -> set[str]:
    """A contract's vocabulary as its string values, whether a Literal or a StrEnum."""
    if isinstance(vocabulary, type) and issubclass(vocabulary, Enum):
        return {str(member.value) for member in vocabulary}
    return set(get_args(vocabulary))


def test_every_status_role_and_counter_an_email_names_has_words():
    assert values_of(CaseStatus) and values_of(CaseStatus) <= set(STATUS_WORDS)
    assert values_of(Role) and values_of(Role) <= set(ROLE_WORDS)
    assert {"black", "colour", "large"} <= set(COUNTER_WORDS)


@pytest.mark.parametrize("language", ["es", "sv"])
def test_a_status_change_email_names_both_statuses_in_the_language(language):
    values = {
        "number": "CS-1",
        "subject": "Jam",
        "old_status": "waiting_for_customer",
        "new_status": "cancelled",
    }
    english = EmailRenderer("https://portal.example").render(
        "case_status_changed", language="en", time_zone="UTC", link_path="/cases/1", name="Ana", **values
    )
    email = EmailRenderer("https://portal.example").render(
        "case_status_changed", language=language, time_zone="UTC", link_path="/cases/1", name="Ana", **values
    )
    assert "Cancelled" in english.text and "waiting_for_customer" not in english.text
    for code_or_english in ("cancelled", "Cancelled", "waiting_for_customer", "Waiting for your reply"):
        assert code_or_english not in email.text and code_or_english not in email.html


VALUES = {
    "case_created": {
        "number": "CS-1",
        "subject": "Jam",
        "response_due_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
        "received_outside_business_hours": True,
        "problem": "paper_jam",
        "device": {"serial": "SN-1", "model": "imageRUNNER C3826i", "place": "Calle Mayor 1, Madrid"},
    },
    "case_status_changed": {"number": "CS-1", "subject": "Jam", "old_status": "new", "new_status": "closed"},
    "case_resolved": {"number": "CS-1", "subject": "Jam"},
    "case_message": {
        "number": "CS-1",
        "subject": "Jam",
        "body": "Hello",
        "attachments": [{"filename": "jam.jpg", "size": 742_000}, {"filename": "log.txt", "size": 2_621_440}],
    },
    "email_verification": {},
    "password_reset": {},
    "invitation": {
        "account": "Acme",
        "invited_role": "administrator",
        "expires_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
        "invited_by": "Ana García",
    },
    "registration_decided": {"account": "Acme", "outcome": "approved"},
    "registration_awaiting_approval": {
        "account": "Acme",
        "applicant": "Nils",
        "applicant_email": "n@x.example",
    },
    "reading_accepted": {
        "serial": "SN-1",
        "local_date": date(2026, 3, 2),
        "counters": {"black": 1, "colour": 2},
    },
    "read_request_opened": {
        "devices": [
            {
                "serial": "SN-1",
                "model": "imageRUNNER C3826i",
                "place": "Calle Mayor 1, Madrid · Planta 2, Recepción",
                "last_reading_date": date(2026, 2, 27),
                "last_counters": {"black": 12000, "colour": 3400},
            },
            {"serial": "SN-2", "model": "", "place": "", "last_reading_date": None, "last_counters": {}},
        ],
        "due_date": date(2026, 3, 31),
    },
    "read_request_reminded": {
        "devices": [
            {
                "serial": "SN-1",
                "model": "i-SENSYS X 1238i",
                "place": "",
                "last_reading_date": date(2026, 2, 27),
                "last_counters": {"black": 12000},
            }
        ],
        "due_date": date(2026, 3, 31),
    },
    "order_shipped": {
        "number": "CS-1",
        "subject": "Toner",
        "tracking_reference": "1Z999",
        "carrier": "DHL",
        "tracking_url": "https://www.dhl.com/global-en/home/tracking.html?tracking-id=1Z999",
    },
    "device_offline": {
        "serial": "SN-1",
        "model": "C3826i",
        "offline_since": datetime(2026, 1, 5, 9, tzinfo=UTC),
    },
    "visit_scheduled": {
        "number": "CS-1",
        "subject": "Move",
        "scheduled_for": datetime(2026, 1, 5, 9, tzinfo=UTC),
        "technician": "Lars",
    },
    "case_sla_warning": {
        "number": "CS-1",
        "subject": "Jam",
        "account": "Acme",
        "response_due_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
    },
    "case_sla_breached": {
        "number": "CS-1",
        "subject": "Jam",
        "account": "",
        "response_due_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
    },
}


@pytest.mark.parametrize("language", ["en", "es", "sv"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_every_language(kind, language):
    email = EmailRenderer("https://portal.example").render(
        kind, language=language, time_zone="Europe/Madrid", link_path="/somewhere", name="Ana", **VALUES[kind]
    )
    assert email.subject and "\n" not in email.subject
    assert "https://portal.example/somewhere" in email.text
    assert 'href="https://portal.example/somewhere"' in email.html
    assert f'<html lang="{language}">' in email.html


def test_links_stay_on_the_portal():
    renderer = EmailRenderer("https://portal.example/")
    assert renderer.link("/cases/1") == "https://portal.example/cases/1"
    assert renderer.link("//evil.example/x") == "https://portal.example/evil.example/x"
