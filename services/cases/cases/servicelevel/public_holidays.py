"""Public holidays from the `holidays` package, by country, subdivision and category, computed once per year.

Subdivisions are named as ISO 3166-2 (`ES-MD`); the package wants the part after the dash (`MD`) and knows
subdivisions only where holidays differ by region: where it knows none (Sweden's counties), the country's apply.
Categories are the package's: `public` everywhere, and e.g. Sweden's `de_facto` (Midsummer Eve, Christmas Eve,
New Year's Eve, when businesses close although the law does not say so)."""

from collections.abc import Mapping
from datetime import date
from functools import lru_cache

import holidays

PUBLIC = "public"
# The portal's languages as the package names them (its English is `en_US`).
PACKAGE_LANGUAGES = {"en": "en_US", "es": "es", "sv": "sv"}


def country_supported(country: str | None) -> bool:
    return bool(country) and country in holidays.list_supported_countries()


def package_subdivision(country: str | None, subdivision: str | None) -> str | None:
    """The package's code of an ISO 3166-2 subdivision of the country (`ES-MD` -> `MD`), or None when the package
    has no holidays of its own for it."""
    if not country_supported(country) or not subdivision:
        return None
    prefix, _, code = subdivision.upper().partition("-")
    if prefix != country or not code:
        return None
    return code if code in holidays.list_supported_countries()[country] else None


@lru_cache(maxsize=256)
def supported_categories(country: str) -> tuple[str, ...]:
    return tuple(holidays.country_holidays(country).supported_categories)


@lru_cache(maxsize=256)
def _supported_languages(country: str) -> tuple[str, ...]:
    return tuple(holidays.country_holidays(country).supported_languages)


@lru_cache(maxsize=1024)
def holidays_of_year(
    country: str, subdivision: str | None, categories: tuple[str, ...], year: int, language: str | None = None
) -> Mapping[date, str]:
    """The holidays of one year, {day: name}; `subdivision` is the package's code, `language` a portal language."""
    found = holidays.country_holidays(
        country,
        subdiv=subdivision,
        years=year,
        categories=categories,
        language=_package_language(country, language),
    )
    return dict(found)


def _package_language(country: str, language: str | None) -> str | None:
    wanted = PACKAGE_LANGUAGES.get(language or "")
    return wanted if wanted in _supported_languages(country) else None
