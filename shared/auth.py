"""Access tokens: Ed25519-signed JWTs issued by `accounts` and verified by every service itself.

The token carries the user id, the session id, the language and the memberships (account -> role);
device assignments are decided by each service from its local copy, never carried in the token."""

import base64
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Problem
from shared.events.vocabulary import CustomerRole, StaffRole

ALGORITHMS = ["EdDSA"]  # the allowlist: anything else, `none` included, is refused
CUSTOMER_ROLES = tuple(CustomerRole)
STAFF_ROLES = tuple(StaffRole)


@dataclass(frozen=True)
class Principal:
    user_id: str
    session_id: str
    language: str = "en"
    name: str = ""
    memberships: dict[str, str] = field(default_factory=dict)  # account id -> role
    staff_role: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.staff_role in STAFF_ROLES

    @property
    def is_supervisor(self) -> bool:
        return self.staff_role == StaffRole.SUPERVISOR

    def role_in(self, account_id: str) -> str | None:
        return self.memberships.get(account_id)

    def is_admin_of(self, account_id: str) -> bool:
        return self.memberships.get(account_id) == CustomerRole.ADMINISTRATOR


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "use": "sig",
        "alg": "EdDSA",
        "kid": key_id(public_key),
        "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
    }


def generate_keypair(directory: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair as PEM files (development, demo and tests only)."""
    directory.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    private_path, public_path = directory / "jwt-private.pem", directory / "jwt-public.pem"
    private_path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private_path, public_path


def load_public_keys(pem_text: str) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for block in pem_text.split("-----END PUBLIC KEY-----"):
        if "-----BEGIN PUBLIC KEY-----" in block:
            key = serialization.load_pem_public_key((block.strip() + "\n-----END PUBLIC KEY-----\n").encode())
            if isinstance(key, Ed25519PublicKey):
                keys[key_id(key)] = key
    return keys


class TokenVerifier:
    # Checking a signature costs more CPU than the rest of a simple request: a token seen before is taken from
    # memory until it expires (the claims cannot change without the signature changing). Revocation is not
    # cached: `current_principal` asks the database on every request.
    CACHE_SIZE = 4096
    # Expiry is checked on the real clock (time.time(), as PyJWT does), never on business time (shared.clock): a
    # token's lifetime is a security timing that a test's clock must not stretch.

    def __init__(self, public_keys_pem: str, *, issuer: str, audience: str) -> None:
        self.keys = load_public_keys(public_keys_pem)
        self.issuer, self.audience = issuer, audience
        self._verified: dict[str, tuple[Principal, float]] = {}

    def verify(self, token: str) -> Principal:
        if (known := self._verified.get(token)) is not None:
            principal, expires_at = known
            if time.time() < expires_at:
                return principal
            del self._verified[token]
        principal, expires_at = self._verify_signature(token)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        self._verified[token] = (principal, expires_at)
        return principal

    def _verify_signature(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.get(header.get("kid", ""))
            if key is None or header.get("alg") not in ALGORITHMS:
                raise jwt.InvalidTokenError("unknown key or algorithm")
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "sid", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid access token: {exc}") from exc
        return Principal(
            user_id=claims["sub"],
            session_id=claims["sid"],
            language=claims.get("lang", "en"),
            name=claims.get("name", ""),
            memberships=dict(claims.get("memberships", {})),
            staff_role=claims.get("staff_role"),
        ), float(claims["exp"])


def unauthorized(detail: str = "Log in to continue.") -> Problem:
    return Problem(401, "Unauthorized", detail, code="unauthorized")


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise unauthorized("Missing bearer token.")
    principal: Principal = request.app.state.verifier.verify(credentials.credentials)
    if await request.app.state.revocations.includes(principal.session_id):  # shared.revocations
        raise unauthorized("This session has ended. Log in again.")
    request.state.principal = principal
    return principal


async def require_staff(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_staff:
        raise Problem(403, "Forbidden", "Only the vendor's staff may do this.", code="forbidden")
    return principal


async def require_supervisor(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_supervisor:
        raise Problem(403, "Forbidden", "Only the vendor's supervisors may do this.", code="forbidden")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
StaffUser = Annotated[Principal, Depends(require_staff)]
SupervisorUser = Annotated[Principal, Depends(require_supervisor)]


def sign_access_token(
    private_key_pem: bytes,
    *,
    user_id: str,
    session_id: str,
    issuer: str,
    audience: str,
    lifetime_seconds: int,
    language: str = "en",
    name: str = "",
    memberships: dict[str, str] | None = None,
    staff_role: str | None = None,
    actions: list[str] | None = None,
    account_actions: dict[str, list[str]] | None = None,
    country: str | None = None,
) -> str:
    """Issue an access token (used by `accounts`, the identity provider, and by tests). `actions` are what the
        roles let the user start and `account_actions` what each account's role allows (`shared.permissions`),
        for the pages' menus; the services decide again on every call. `country` is the country of the user's (first)
    account, in which the pages write dates and numbers (F-70)."""
    import time

    private_key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise TypeError("access tokens are signed with an Ed25519 key")
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": user_id,
        "sid": session_id,
        "iat": now,
        "exp": now + lifetime_seconds,
        "lang": language,
        "name": name,
        "memberships": memberships or {},
        "staff_role": staff_role,
        "actions": actions or [],
        "account_actions": account_actions or {},
        "country": country,
    }
    return jwt.encode(
        claims, private_key, algorithm="EdDSA", headers={"kid": key_id(private_key.public_key())}
    )
