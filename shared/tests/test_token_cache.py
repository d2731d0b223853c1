"""A verified token is remembered, but never past its expiry, and a tampered one is never taken for it."""

import time

import pytest

from shared.auth import Principal, TokenVerifier
from shared.errors import Problem

ISSUER, AUDIENCE = "selfservice-accounts", "selfservice"


@pytest.fixture
def verifier(jwt_keys) -> TokenVerifier:
    return TokenVerifier(jwt_keys[1], issuer=ISSUER, audience=AUDIENCE)


def test_a_token_seen_before_is_checked_again_only_once_it_has_expired(verifier, token_for, monkeypatch):
    token = token_for("u1", lifetime_seconds=60)
    first = verifier.verify(token)
    checked = []
    original = verifier._verify_signature

    def verify_signature_counted(signed: str) -> tuple[Principal, float]:
        checked.append(signed)
        return original(signed)

    monkeypatch.setattr(verifier, "_verify_signature", verify_signature_counted)
    assert verifier.verify(token) is first and checked == []

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 120)  # past its expiry: checked in full again
    verifier.verify(token)
    assert checked == [token]


def test_a_tampered_copy_of_a_remembered_token_is_refused(verifier, token_for):
    token = token_for("u1")
    verifier.verify(token)
    header, claims, signature = token.split(".")
    # A character inside the signature: the last one carries bits a decoder ignores, so changing it may not.
    changed = "B" if signature[10] == "A" else "A"
    with pytest.raises(Problem):
        verifier.verify(f"{header}.{claims}.{signature[:10]}{changed}{signature[11:]}")
