"""Throttling of guesses and of emails sent to strangers, counted in the database so every replica shares it.

Each counter is one row per key (`login-account:<email>`, `login-client:<address>`, ...) with a fixed window.
`count_attempt` adds one and reads the new count in a single INSERT .. ON CONFLICT DO UPDATE .. RETURNING:
an attempt is counted *before* the slow password check, so twelve concurrent guesses get counts 1 to 12
and only the first five are checked at all; none can slip between a read and a write.

Logins (see docs/security.md for the reasoning):
- a client without a device token is counted per account (5 per 15 minutes) and per client address
  (20 per 15 minutes);
- a successful login hands out a device token (signed, bound to that account's email, kept by the gateway
  in a cookie); a client presenting a valid one for the account it logs in to is counted only per device
  (5 per 15 minutes). Strangers who exhaust the account's counter therefore lock out other strangers,
  not the owner on a device that has logged in before;
- a successful login forgets the failures of its account or device and gives its attempt back to the
  client address (other accounts may be guessed from there), so only failures accumulate.
Password-reset and registration emails are counted per address and per client address; beyond the limit
the answer stays the same (nothing is revealed about who has an account) but no email is sent.
"""

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, case, delete
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.auth.models import ThrottleCounter
from shared.clock import wall_now
from shared.db import UtcDateTime, upsert_ignore


@dataclass(frozen=True)
class Limit:
    name: str
    max: int
    window: timedelta


LOGIN_PER_ACCOUNT = Limit("login-account", 5, timedelta(minutes=15))
LOGIN_PER_DEVICE = Limit("login-device", 5, timedelta(minutes=15))
LOGIN_PER_CLIENT = Limit("login-client", 20, timedelta(minutes=15))
EMAILS_PER_ADDRESS = Limit("email-address", 3, timedelta(hours=1))
EMAILS_PER_CLIENT = Limit("email-client", 10, timedelta(hours=1))
LONGEST_WINDOW = max(limit.window for limit in (LOGIN_PER_CLIENT, EMAILS_PER_ADDRESS))


async def count_attempt(session: AsyncSession, limit: Limit, value: str) -> int | None:
    """Count one attempt; the seconds to wait when it is over the limit, else None."""
    now = wall_now()  # throttling is a security timing: never on a test's business clock (shared.clock)
    table = ThrottleCounter.__table__
    expired = table.c.window_start <= bindparam("cutoff", now - limit.window, type_=UtcDateTime)
    # The dialect's INSERT (PostgreSQL or SQLite), here with ON CONFLICT DO UPDATE rather than DO NOTHING.
    insert = upsert_ignore(session, table).values(key=f"{limit.name}:{value}", window_start=now, count=1)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((expired, 1), else_=table.c.count + 1),
            "window_start": case((expired, insert.excluded.window_start), else_=table.c.window_start),
        },
    ).returning(table.c.count, table.c.window_start)
    count, window_start = (await session.execute(statement)).one()
    if count <= limit.max:
        return None
    return max(1, math.ceil((window_start + limit.window - now).total_seconds()))


async def may_send_email(session: AsyncSession, email: str, client_address: str) -> bool:
    """Count one email a stranger asks for; False when the client or the address had their share."""
    await prune_counters(session)
    for limit, value in ((EMAILS_PER_CLIENT, client_address), (EMAILS_PER_ADDRESS, email)):
        if await count_attempt(session, limit, value):
            return False
    return True


async def give_back(session: AsyncSession, limit: Limit, value: str) -> None:
    """Undo one counted attempt (a login that succeeded)."""
    table = ThrottleCounter.__table__
    await session.execute(
        table.update()
        .where(table.c.key == f"{limit.name}:{value}", table.c.count > 0)
        .values(count=table.c.count - 1)
    )


async def forget(session: AsyncSession, limit: Limit, value: str) -> None:
    await session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == f"{limit.name}:{value}"))


async def prune_counters(session: AsyncSession) -> None:
    await session.execute(
        delete(ThrottleCounter).where(ThrottleCounter.window_start < wall_now() - LONGEST_WINDOW)
    )


class DeviceTokens:
    """Tokens that mark a browser or client that logged in to one account before: `v1.<email tag>.<device id>.
    <expiry>.<mac>`, signed with a key derived from the token-signing key (nothing more to configure)."""

    LIFETIME_SECONDS = 365 * 24 * 3600

    def __init__(self, signing_key_pem: bytes) -> None:
        self.key = hashlib.sha256(b"accounts device token\0" + signing_key_pem).digest()

    def _mac(self, payload: str) -> str:
        return hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()[:32]

    @staticmethod
    def _email_tag(email: str) -> str:
        return hashlib.sha256(email.encode()).hexdigest()[:16]

    def issue(self, email: str) -> str:
        expires = int(time.time()) + self.LIFETIME_SECONDS
        payload = f"v1.{self._email_tag(email)}.{secrets.token_urlsafe(16)}.{expires}"
        return f"{payload}.{self._mac(payload)}"

    def device_of(self, token: str | None, email: str) -> str | None:
        """The device id when the token is genuine, unexpired and issued for this email; else None."""
        parts = (token or "").split(".")
        if len(parts) != 5 or parts[0] != "v1" or not parts[3].isdigit():
            return None
        payload, mac = ".".join(parts[:4]), parts[4]
        if not hmac.compare_digest(mac, self._mac(payload)) or int(parts[3]) < time.time():
            return None
        return parts[2] if hmac.compare_digest(parts[1], self._email_tag(email)) else None
