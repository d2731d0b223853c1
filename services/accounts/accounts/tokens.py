"""Single-use secrets sent by email or handed to clients: only their SHA-256 is stored."""

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
