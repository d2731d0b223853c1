"""Password rules (F-03): 12 to 128 characters, not a common password, stored with argon2id."""

import asyncio
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import InvalidValue, field_error

MIN_LENGTH, MAX_LENGTH = 12, 128
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) parameters
# Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


@cache
def common_passwords() -> frozenset[str]:
    lines = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> InvalidValue | None:
    """Why this password is refused (a code and its English text), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return InvalidValue("too_short", f"Use at least {MIN_LENGTH} characters.", min_length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return InvalidValue("too_long", f"Use at most {MAX_LENGTH} characters.", max_length=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return InvalidValue("password_too_common", "This password is too common; choose another one.")
    if email and lowered == email.lower():
        return InvalidValue("password_is_email", "The password may not be your email address.")
    return None


def check_password_rules(password: str, *, email: str = "", field: str = "password") -> None:
    if problem := password_problem(password, email=email):
        raise field_error(field, str(problem), field_code=problem.code, **problem.params)


async def hash_password(password: str) -> str:
    # Hashing is deliberately slow: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
