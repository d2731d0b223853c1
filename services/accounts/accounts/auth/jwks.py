"""The public keys that verify access tokens (the current signing key and those kept for rotation)."""

from fastapi import APIRouter, Request

from accounts.auth.schemas import PublicKeys
from shared.auth import load_public_keys, public_jwk

router = APIRouter(tags=["auth"])


@router.get("/.well-known/jwks.json", response_model=PublicKeys)
@router.get("/api/accounts/v1/.well-known/jwks.json", response_model=PublicKeys)
async def jwks(request: Request) -> dict:
    keys = load_public_keys(request.app.state.settings.public_keys_pem())
    return {"keys": [public_jwk(key) for key in keys.values()]}
