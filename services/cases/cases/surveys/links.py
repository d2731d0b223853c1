"""Survey links (F-15): whoever holds one may answer for one follower about one case, without logging in, for 30
days. A link is `/surveys/<token>`; the token names the case, the follower and the expiry, signed with the service's
survey key (HMAC-SHA256): `s1.<case id>.<user id>.<expiry, Unix seconds>.<signature>`. Nothing is stored per link:
the database's one answer per case and follower makes a link single use."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.surveys.models import SurveyLinkKey
from shared.db import upsert_ignore, utcnow
from shared.errors import Problem

VALID_FOR = timedelta(days=30)
VERSION = "s1"
KEY_ID = 1


@dataclass(frozen=True)
class SurveyLink:
    case_id: str
    user_id: str
    expires_at: datetime


def invalid_link() -> Problem:
    return Problem(
        404,
        "Unknown survey link",
        "This survey link is not valid: it may be incomplete or altered.",
        code="survey_link_invalid",
    )


def expired_link(link: SurveyLink) -> Problem:
    return Problem(
        410,
        "Survey link expired",
        f"This survey link expired on {link.expires_at.isoformat()}.",
        code="survey_link_expired",
        params={"date": link.expires_at.date().isoformat()},
    )


def signature(key: str, payload: str) -> str:
    digest = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def existing_key(session: AsyncSession) -> str | None:
    return await session.scalar(select(SurveyLinkKey.secret).where(SurveyLinkKey.id == KEY_ID))


async def signing_key(session: AsyncSession) -> str:
    """The key, made in the caller's transaction the first time (the first writer's key wins everywhere)."""
    if (known := await existing_key(session)) is not None:
        return known
    await session.execute(
        upsert_ignore(session, SurveyLinkKey.__table__)
        .values(id=KEY_ID, secret=secrets.token_hex(32), created_at=utcnow())
        .on_conflict_do_nothing()
    )
    # Written just now, or by whoever came first.
    return str(await existing_key(session))


async def survey_paths(
    session: AsyncSession, case_id: str, user_ids: list[str], now: datetime
) -> dict[str, str]:
    """Each follower's survey page, valid from `now` for VALID_FOR."""
    if not user_ids:
        return {}
    key, expires = await signing_key(session), int((now + VALID_FOR).timestamp())
    paths = {}
    for user_id in user_ids:
        payload = f"{VERSION}.{case_id}.{user_id}.{expires}"
        paths[user_id] = f"/surveys/{payload}.{signature(key, payload)}"
    return paths


async def read_link(session: AsyncSession, token: str, now: datetime) -> SurveyLink:
    """The link the token is, when genuine and unexpired: else 404 `survey_link_invalid` (forged, altered, cut
    short) or 410 `survey_link_expired`. Reads only: a visit that only looks must not change anything."""
    parts = token.split(".")
    key = await existing_key(session)
    if len(parts) != 5 or parts[0] != VERSION or key is None or not parts[3].isdigit():
        raise invalid_link()
    payload = ".".join(parts[:4])
    # Compared as bytes: a made-up token may hold any character.
    if not hmac.compare_digest(parts[4].encode(), signature(key, payload).encode()):
        raise invalid_link()
    link = SurveyLink(parts[1], parts[2], datetime.fromtimestamp(int(parts[3]), tz=UTC))
    if link.expires_at <= now:
        raise expired_link(link)
    return link
