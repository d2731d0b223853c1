"""Rotating the key that signs access tokens logs nobody out (docs/operations.md, "Rotate the token-signing
key"): the new public key is published first, then accounts signs with the new key while both verify, and the
old one is retired once no token it signed can still be valid. Through it all the same login keeps working,
with the access token it holds and by refreshing it."""

import jwt

from accounts.main import create_app
from services.accounts.tests.accounts_support import bearer, login
from shared.auth import TokenVerifier, generate_keypair, load_public_keys
from shared.testing import app_client

API = "/api/accounts/v1"
ISSUER, AUDIENCE = "selfservice-accounts", "selfservice"


def kids(pem: str) -> set[str]:
    return set(load_public_keys(pem))


async def jwks_kids(client) -> set[str]:
    answer = await client.get("/.well-known/jwks.json")
    assert answer.status_code == 200
    return {key["kid"] for key in answer.json()["keys"]}


def header_kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def test_a_login_survives_every_step_of_a_key_rotation(
    app, client, add_user, settings_for, jwt_keys, tmp_path
):
    old_public = jwt_keys[1]
    new_private, new_public_path = generate_keypair(tmp_path / "next")
    new_public = new_public_path.read_text()
    (old_kid,), (new_kid,) = kids(old_public), kids(new_public)

    # Before: one key signs and verifies. A user logs in.
    await add_user("rotating@example.com")
    before = (await login(client, "rotating@example.com")).json()
    assert header_kid(before["access_token"]) == old_kid
    assert await jwks_kids(client) == {old_kid}

    both = old_public.strip() + "\n\n" + new_public

    # Step 1: every service (accounts too) is given both public keys; accounts still signs with the old one.
    published = create_app(settings_for(jwt_public_keys=both))
    async with app_client(published) as step1:
        assert await jwks_kids(step1) == {old_kid, new_kid}
        assert (await step1.get(f"{API}/me", headers=bearer(before["access_token"]))).status_code == 200
        assert header_kid((await login(step1, "rotating@example.com")).json()["access_token"]) == old_kid

    # Step 2: accounts signs with the new key; tokens signed with the old one are still good everywhere.
    switched = create_app(settings_for(jwt_private_key_file=str(new_private), jwt_public_keys=both))
    async with app_client(switched) as step2:
        assert await jwks_kids(step2) == {old_kid, new_kid}
        assert (await step2.get(f"{API}/me", headers=bearer(before["access_token"]))).status_code == 200
        refreshed = await step2.post(f"{API}/auth/refresh", json={"refresh_token": before["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        during = refreshed.json()
        assert header_kid(during["access_token"]) == new_kid
        assert (await step2.get(f"{API}/me", headers=bearer(during["access_token"]))).status_code == 200
    another_service = TokenVerifier(both, issuer=ISSUER, audience=AUDIENCE)
    for token in (before["access_token"], during["access_token"]):
        assert another_service.verify(token).session_id

    # Step 3, once the longest access-token lifetime has passed: the old public key is retired. The session
    # goes on: its refresh token was never tied to a signing key.
    retired = create_app(settings_for(jwt_private_key_file=str(new_private), jwt_public_keys=new_public))
    async with app_client(retired) as step3:
        assert await jwks_kids(step3) == {new_kid}
        assert (await step3.get(f"{API}/me", headers=bearer(during["access_token"]))).status_code == 200
        assert (await step3.get(f"{API}/me", headers=bearer(before["access_token"]))).status_code == 401
        after = await step3.post(f"{API}/auth/refresh", json={"refresh_token": during["refresh_token"]})
        assert after.status_code == 200, after.text
        assert header_kid(after.json()["access_token"]) == new_kid


async def test_accounts_always_publishes_the_key_it_signs_with(settings_for, tmp_path):
    """Even when the operator switched the signing key before publishing it: its tokens stay verifiable by
    accounts itself, and the JWKS shows what the other services still lack."""
    new_private, new_public_path = generate_keypair(tmp_path / "early")
    (new_kid,) = kids(new_public_path.read_text())
    early = create_app(settings_for(jwt_private_key_file=str(new_private)))
    async with app_client(early) as client:
        assert new_kid in await jwks_kids(client)
