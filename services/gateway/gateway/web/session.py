"""The browser session: access and refresh tokens in HttpOnly cookies, refreshed before they expire,
and CSRF tokens for every state-changing form (signed double-submit cookie)."""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt
from fastapi import Response

ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE, LANG_COOKIE, TZ_COOKIE = (
    "access_token",
    "refresh_token",
    "csrf_token",
    "lang",
    "tz",
)
CSRF_FIELD = "csrf_token"
# From accounts at each login: a client that logged in before is not locked out by strangers' guesses.
DEVICE_COOKIE = "device"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int

    @classmethod
    def from_answer(cls, body: dict) -> "Tokens":
        return cls(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or "",
            expires_in=int(body.get("expires_in") or 900),
        )


def unverified_claims(token: str | None) -> dict | None:
    """Read the claims without checking the signature: the services verify; the gateway only needs exp, lang, roles."""
    if not token:
        return None
    try:
        return jwt.decode(
            token, options={"verify_signature": False, "verify_exp": False, "verify_aud": False}
        )
    except jwt.PyJWTError:
        return None


def expires_soon(claims: dict, margin_seconds: int) -> bool:
    try:
        return float(claims.get("exp", 0)) - margin_seconds <= time.time()
    except (TypeError, ValueError):
        return True


@dataclass(frozen=True)
class CookiePolicy:
    secure: bool
    refresh_max_age: int

    def set(
        self, response: Response, name: str, value: str, max_age: int | None, http_only: bool = True
    ) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/", secure=self.secure, httponly=http_only, samesite="lax"
        )

    def set_tokens(self, response: Response, tokens: Tokens) -> None:
        self.set(response, ACCESS_COOKIE, tokens.access_token, tokens.expires_in)
        if tokens.refresh_token:
            self.set(response, REFRESH_COOKIE, tokens.refresh_token, self.refresh_max_age)

    def clear_tokens(self, response: Response) -> None:
        for name in (ACCESS_COOKIE, REFRESH_COOKIE):
            response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="lax")


class CsrfSigner:
    """A random nonce signed with the gateway's secret together with the session it belongs to, kept in a cookie
    and repeated in each form. The signature stops a sibling (sub)domain that can plant cookies from forging a
    matching pair; the session in it makes a token worthless in any other session, so one learnt before login
    (or planted then) is not accepted after it, and logging in rotates it."""

    def __init__(self, secret: str) -> None:
        self.key = secret.encode()

    def _signature(self, nonce: str, session_id: str) -> str:
        return hmac.new(self.key, f"{nonce}|{session_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def new_token(self, session_id: str) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._signature(nonce, session_id)}"

    def is_genuine(self, token: str | None, session_id: str) -> bool:
        if not token or "." not in token:
            return False
        nonce, signature = token.rsplit(".", 1)
        return hmac.compare_digest(signature, self._signature(nonce, session_id))

    def matches(self, cookie: str | None, submitted: str | None, session_id: str) -> bool:
        if not cookie or not submitted or not self.is_genuine(cookie, session_id):
            return False
        return hmac.compare_digest(cookie.encode(), submitted.encode())


def session_id_of(token: str | None) -> str:
    """The session an access token belongs to ("" for none): it stays the same when the token is refreshed."""
    return str((unverified_claims(token) or {}).get("sid") or "")
