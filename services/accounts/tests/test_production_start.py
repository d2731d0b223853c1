"""A production start of accounts refuses SQLite and the development keys at the construction of its settings
(a demo password too: see test_staff_and_settings.py)."""

import pytest
from pydantic import ValidationError

from accounts.settings import Settings
from shared.config import VAR_DIR

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+asyncpg://accounts:secret@db:5432/accounts",
    "jwt_public_keys_file": "/keys/private/jwt-public.pem",
    "jwt_private_key_file": "/keys/private/jwt-private.pem",
}


@pytest.mark.parametrize(
    ("override", "refusal"),
    [
        ({"database_url": "sqlite+aiosqlite:///accounts.db"}, "database_url is SQLite"),
        (
            {"jwt_private_key_file": str(VAR_DIR / "keys" / "jwt-private.pem")},
            "jwt_private_key_file is the development key",
        ),
        (
            {"jwt_public_keys_file": str(VAR_DIR / "keys" / "jwt-public.pem")},
            "jwt_public_keys_file is the development key",
        ),
    ],
)
def test_production_refuses_development_defaults(override, refusal):
    with pytest.raises(ValidationError, match=refusal):
        Settings(**{**PRODUCTION, **override})


def test_production_starts_with_its_own_database_and_keys():
    settings = Settings(**PRODUCTION)
    assert (
        settings.environment == "production"
        and settings.jwt_private_key_file == PRODUCTION["jwt_private_key_file"]
    )


def test_development_keeps_its_embedded_defaults():
    settings = Settings(environment="development", database_url="")
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.jwt_private_key_file == str(VAR_DIR / "keys" / "jwt-private.pem")
