"""The words the portal itself writes on an offline device's case (its subject, description and the note of the
device's return). Like a customer's own words, a case's text is stored once, as written: so it is written in the
language of the people it is for (the device's managers, else the account's administrators), in the three
languages of the portal."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.directory.models import User

TEXTS = {
    "en": {
        "subject": "{serial} offline since {since}",
        "description": (
            "The fleet software has not reached {model} {serial} since {since}, {days} days or more. "
            "The reconnection guide: {guide}"
        ),
        "note": "The device {serial} is online again since {at}.",
    },
    "es": {
        "subject": "{serial} fuera de línea desde {since}",
        "description": (
            "El software de la flota no se comunica con {model} {serial} desde {since}, hace {days} días o más. "
            "La guía de reconexión: {guide}"
        ),
        "note": "El equipo {serial} vuelve a estar en línea desde {at}.",
    },
    "sv": {
        "subject": "{serial} offline sedan {since}",
        "description": (
            "Flottprogrammet har inte nått {model} {serial} sedan {since}, i {days} dagar eller mer. "
            "Guiden för återanslutning: {guide}"
        ),
        "note": "Enheten {serial} är online igen sedan {at}.",
    },
}


async def language_of(session: AsyncSession, user_ids: list[str]) -> str:
    """The language of the first of these users the local copy knows, else English."""
    if not user_ids:
        return "en"
    languages = dict(
        (await session.execute(select(User.id, User.language).where(User.id.in_(user_ids)))).all()
    )
    for user_id in user_ids:
        if (language := languages.get(user_id)) in TEXTS:
            return str(language)
    return "en"


def text(language: str, key: str, **values: object) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)
