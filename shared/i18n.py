"""Translations and locale formatting. The locale is chosen per request or per recipient and passed
explicitly: nothing here holds a current locale in global state.

Catalogs are gettext `.po` files (Babel) under `<dir>/<locale>/LC_MESSAGES/messages.po`, compiled in memory
when loaded, so there is no build step and no binary file in the repository."""

import datetime as dt
import math
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError, dates, numbers, units
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "es", "sv")
DEFAULT_LANGUAGE = "en"


class Catalogs:
    def __init__(self, directory: Path, domain: str = "messages") -> None:
        self.by_language: dict[str, NullTranslations] = {DEFAULT_LANGUAGE: NullTranslations()}
        for language in LANGUAGES:
            po = directory / language / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                with po.open("rb") as handle:
                    catalog = read_po(handle, locale=language)
                buffer = BytesIO()
                write_mo(buffer, catalog)
                buffer.seek(0)
                self.by_language[language] = Translations(buffer, domain=domain)

    def get(self, language: str | None) -> NullTranslations:
        return self.by_language.get(language or DEFAULT_LANGUAGE, self.by_language[DEFAULT_LANGUAGE])


def negotiate_language(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's profile language when set, else the best of the browser's Accept-Language, else English."""
    if preferred in LANGUAGES:
        return preferred
    if accept_language:
        wanted = [part.split(";")[0].strip().replace("-", "_") for part in accept_language.split(",")]
        best = Locale.negotiate(wanted, list(LANGUAGES), sep="_")
        if best:
            return str(best.language)
    return DEFAULT_LANGUAGE


# Countries whose written English follows British conventions (day before month, 24-hour clock): Europe.
EUROPEAN_COUNTRIES = frozenset(
    [
        "AD",
        "AL",
        "AT",
        "BA",
        "BE",
        "BG",
        "BY",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FO",
        "FR",
        "GB",
        "GG",
        "GI",
        "GR",
        "HR",
        "HU",
        "IE",
        "IM",
        "IS",
        "IT",
        "JE",
        "LI",
        "LT",
        "LU",
        "LV",
        "MC",
        "MD",
        "ME",
        "MK",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "RS",
        "SE",
        "SI",
        "SK",
        "SM",
        "UA",
        "VA",
        "XK",
    ]
)


EUROPE = "150"  # the UN M.49 code of Europe: the region of a European time zone when the country is not known


def zone_region(time_zone: str | None) -> str | None:
    """Europe for a European time zone, else nothing: stands in for the country where only the zone is known (an
    email's recipient)."""
    return EUROPE if (time_zone or "").startswith("Europe/") else None


def regional_locale(language: str, country: str | None = None) -> Locale:
    """The locale dates and numbers are written in: the language as written in the account's country. English
    for a European account is British English (1 Dec 2026, 14:30), not American (12/1/26, 2:30 PM)."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    country = (country or "").upper()
    if language == "en" and (country in EUROPEAN_COUNTRIES or country == EUROPE):
        return Locale.parse("en_GB")
    if country.isalpha() and len(country) == 2:
        try:
            return Locale.parse(f"{language}_{country}")
        except (ValueError, LookupError, UnknownLocaleError):  # Swedish as written in Spain: CLDR has none
            pass
    return Locale.parse(language)


class LocaleFormatter:
    """Dates, times and numbers in one user's language, country and time zone."""

    def __init__(self, language: str, time_zone: str = "UTC", country: str | None = None) -> None:
        self.locale = regional_locale(language, country)
        try:
            self.tz = ZoneInfo(time_zone or "UTC")
        except (KeyError, ValueError):
            self.tz = ZoneInfo("UTC")

    def datetime(self, value: dt.datetime | None, format: str = "medium") -> str:
        if value is None:
            return ""
        return dates.format_datetime(value, format=format, tzinfo=self.tz, locale=self.locale)

    def date_and_time(self, value: dt.datetime | None, date_format: str = "full") -> str:
        """A day and a time to the minute, joined as the locale joins them: 'Wednesday, December 9, 2026, 12:00 PM',
        'miércoles, 9 de diciembre de 2026, 12:00', 'onsdag 9 december 2026 12:00' (a due time, F-12)."""
        if value is None:
            return ""
        clock = dates.format_time(value, "short", tzinfo=self.tz, locale=self.locale)
        pattern = str(self.locale.datetime_formats[date_format]).replace("'", "")
        return pattern.format(clock, self.date(value, date_format))

    def date(self, value: dt.date | dt.datetime | None, format: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        return dates.format_date(value, format=format, locale=self.locale)

    def country(self, code: str | None) -> str:
        """A country's name in the locale's language from its ISO 3166 code (the code when unknown)."""
        return str(self.locale.territories.get((code or "").upper(), code or ""))

    def number(self, value: int | float | None) -> str:
        return "" if value is None else numbers.format_decimal(value, locale=self.locale)

    def file_size(self, size: int) -> str:
        """A file's size in whole kB (rounded up: no file is "0 kB"), or in MB to one decimal from 1 MB, with the
        locale's unit and separator: '740 kB', '2,5 MB'."""
        if size < 1024 * 1024:
            return units.format_unit(
                max(1, math.ceil(size / 1024)), "digital-kilobyte", "short", locale=self.locale
            )
        return units.format_unit(round(size / 1024**2, 1), "digital-megabyte", "short", locale=self.locale)

    def money(self, amount: str | int | float | None, currency: str | None) -> str:
        """An amount (as the services send it: a decimal string) in its ISO 4217 currency, as the locale writes
        it: '€1,250.00', '1.250,00 €', '1 250,00 €'."""
        if amount is None or amount == "":
            return ""
        try:
            value = Decimal(str(amount))
        except ArithmeticError:
            return str(amount)
        if not currency:
            return numbers.format_decimal(value, locale=self.locale)
        return numbers.format_currency(value, currency, locale=self.locale)
