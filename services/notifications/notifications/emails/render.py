"""Emails rendered with Jinja2 (autoescape on for HTML) in the recipient's language and time zone.

Each kind has `<kind>.html` and `<kind>.txt` under templates/; the text one holds the subject in a block. Text goes through the
gettext catalogs under locales/ (English is the msgid), passed into each render: there is no global locale."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.events.vocabulary import CaseStatus, CustomerRole, EmailKind
from shared.i18n import LANGUAGES, Catalogs, LocaleFormatter, zone_region

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES, LOCALES = PACKAGE / "templates", PACKAGE / "locales"


def N_(msgid: str) -> str:
    """Marks a message for translation where it is defined; it is translated when rendered."""
    return msgid


KINDS = tuple(EmailKind)

STATUS_WORDS: dict[str, str] = {
    CaseStatus.NEW: N_("New"),
    CaseStatus.IN_PROGRESS: N_("In progress"),
    CaseStatus.WAITING_FOR_CUSTOMER: N_("Waiting for your reply"),
    CaseStatus.RESOLVED: N_("Resolved"),
    CaseStatus.CLOSED: N_("Closed"),
    CaseStatus.CANCELLED: N_("Cancelled"),
}
ROLE_WORDS: dict[str, str] = {
    CustomerRole.ADMINISTRATOR: N_("Administrator"),
    CustomerRole.DEVICE_MANAGER: N_("Device Manager"),
    CustomerRole.STOCK_MANAGER: N_("Stock Manager"),
    CustomerRole.DEVICE_STOCK_MANAGER: N_("Device & Stock Manager"),
    CustomerRole.KNOWLEDGE_USER: N_("Knowledge User"),
}
# What a new case is about (F-60: the case-created email repeats it): an incident's category, else its type.
PROBLEM_WORDS = {
    "paper_jam": N_("Paper jam"),
    "print_quality": N_("Print quality"),
    "error_code": N_("Error code"),
    "network_scanning": N_("Network or scanning"),
    "noise_damage": N_("Noise or physical damage"),
    "other": N_("Another problem"),
    "consumables": N_("Supplies order"),
    "relocation": N_("Relocation"),
    "removal": N_("Removal"),
    "account_inquiry": N_("Question about the account"),
}
COUNTER_WORDS = {
    "black": N_("Black & white"),
    "colour": N_("Colour"),
    "large": N_("Large format"),
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailRenderer:
    def __init__(self, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")
        self.catalogs = Catalogs(LOCALES)
        # Each template is compiled once and kept (the cache only checks the file's time when it is used).
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.globals["CaseStatus"] = CaseStatus  # templates name statuses as the code does

    def warm_up(self) -> None:
        """Compile every template and load every language's locale data now (some 100 ms at startup) rather than
        in the first email of each kind."""
        for kind in KINDS:
            self.env.get_template(f"{kind}.txt")
            self.env.get_template(f"{kind}.html")
        for language in LANGUAGES:
            format_moment(LocaleFormatter(language, "UTC"), datetime(2026, 1, 1, tzinfo=UTC))

    def render(
        self, kind: str, *, language: str, time_zone: str, link_path: str, **values: Any
    ) -> RenderedEmail:
        context = {
            **values,
            **self._helpers(language, time_zone),
            "language": language,
            "link": self.link(link_path),
            "link_to": self.link,
        }
        text_template = self.env.get_template(f"{kind}.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context)))
        context["email_subject"] = subject = " ".join(subject.split())  # a header never carries a line break
        return RenderedEmail(
            subject=subject,
            text=text_template.render(context),
            html=self.env.get_template(f"{kind}.html").render(context),
        )

    def link(self, path: str) -> str:
        """Every link is the portal's public address plus a path: never another host."""
        return f"{self.public_url}/{path.lstrip('/')}"

    def _helpers(self, language: str, time_zone: str) -> dict[str, Any]:
        translations = self.catalogs.get(language)
        # The recipient's country is not known here; a European time zone makes English British (F-70).
        formatter = LocaleFormatter(language, time_zone, zone_region(time_zone))

        def translate(msgid: str, **values: Any) -> str:
            text = translations.gettext(msgid)
            return text % values if values else text

        def word(words: dict[str, str], value: str) -> str:
            return translations.gettext(words.get(value, value))

        return {
            "_": translate,
            "status": lambda value: word(STATUS_WORDS, value),
            "role": lambda value: word(ROLE_WORDS, value),
            "moment": lambda value: format_moment(formatter, value),
            # A due time names its weekday: "by Wednesday, 9 December 2026, 12:00" is read at a glance.
            "due": lambda value: format_moment(formatter, value, "full"),
            # A calendar date (a reading's local day, a due date) as is: no time zone may move it.
            "day": lambda value: formatter.date(value, "long"),
            "counter": lambda value: word(COUNTER_WORDS, value),
            "problem_word": lambda value: word(PROBLEM_WORDS, value),
            "count": formatter.number,  # not "number": that is a case's number in the case emails
            "file_size": formatter.file_size,
        }


def format_moment(formatter: LocaleFormatter, value: datetime | None, date_format: str = "long") -> str:
    """A date and time to the minute in the recipient's locale and zone, naming the zone: '5 de enero de 2026,
    15:04 (Europe/Madrid)'; with the `full` date, its weekday first ('lunes, 5 de enero de 2026, 15:04 ...')."""
    if value is None:
        return ""
    return f"{formatter.date_and_time(value, date_format)} ({formatter.tz.key})"
