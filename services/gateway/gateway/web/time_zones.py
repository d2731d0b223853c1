"""The time zones a profile offers (F-04): a curated list grouped by region, the zones of the visitor's own
accounts first, each shown by its city in the visitor's language and its current offset from UTC."""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates

from gateway.web.labels import N_
from shared.clock import now
from shared.i18n import LocaleFormatter

REGIONS: dict[str, tuple[str, ...]] = {
    N_("Europe"): (
        "Europe/Lisbon",
        "Atlantic/Canary",
        "Europe/London",
        "Europe/Dublin",
        "Europe/Madrid",
        "Europe/Paris",
        "Europe/Brussels",
        "Europe/Amsterdam",
        "Europe/Luxembourg",
        "Europe/Berlin",
        "Europe/Zurich",
        "Europe/Vienna",
        "Europe/Rome",
        "Europe/Copenhagen",
        "Europe/Oslo",
        "Europe/Stockholm",
        "Europe/Helsinki",
        "Europe/Tallinn",
        "Europe/Riga",
        "Europe/Vilnius",
        "Europe/Warsaw",
        "Europe/Prague",
        "Europe/Budapest",
        "Europe/Bucharest",
        "Europe/Athens",
        "Europe/Istanbul",
        "Europe/Kyiv",
        "Atlantic/Reykjavik",
    ),
    N_("Americas"): (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Toronto",
        "America/Mexico_City",
        "America/Bogota",
        "America/Lima",
        "America/Santiago",
        "America/Argentina/Buenos_Aires",
        "America/Sao_Paulo",
    ),
    N_("Africa"): (
        "Africa/Casablanca",
        "Africa/Lagos",
        "Africa/Cairo",
        "Africa/Johannesburg",
        "Africa/Nairobi",
    ),
    N_("Asia"): ("Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo"),
    N_("Oceania"): ("Australia/Sydney", "Pacific/Auckland"),
    N_("Other"): ("UTC",),
}
OWN = N_("Your account's")


def known(zone: str) -> bool:
    try:
        ZoneInfo(zone)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def zone_label(formatter: LocaleFormatter, zone: str, moment: dt.datetime) -> str:
    """'Estocolmo (UTC+01:00)': the city as the visitor's language names it, and the offset today."""
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    shift = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if zone == "UTC":
        return "UTC"
    city = dates.get_timezone_location(zone, locale=formatter.locale, return_city=True)
    return f"{city} ({shift})"


def zone_groups(
    gettext, formatter: LocaleFormatter, own: list[str], current: str | None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group label, [(zone, label)]) in the order shown: the accounts' zones (and the profile's own when it is
    not in the list), then each region; no zone appears twice."""
    moment = now()
    curated = {zone for zones in REGIONS.values() for zone in zones}
    first = list(
        dict.fromkeys(
            z for z in [*own, *([current] if current and current not in curated else [])] if known(z)
        )
    )
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    if first:
        groups.append((gettext(OWN), [(zone, zone_label(formatter, zone, moment)) for zone in first]))
    for region, zones in REGIONS.items():
        options = [
            (zone, zone_label(formatter, zone, moment)) for zone in zones if zone not in first and known(zone)
        ]
        groups.append((gettext(region), sorted(options, key=lambda option: option[1].casefold())))
    return groups
