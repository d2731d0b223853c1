"""A production start of meters refuses SQLite and the development keys, at the construction of its settings."""

import pytest
from pydantic import ValidationError

from meters.settings import Settings
from shared.config import VAR_DIR

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+asyncpg://meters:secret@db:5432/meters",
    "jwt_public_keys_file": "/keys/public/jwt-public.pem",
}


def test_production_refuses_sqlite_and_the_development_key():
    with pytest.raises(ValidationError, match="database_url is SQLite"):
        Settings(**{**PRODUCTION, "database_url": "sqlite+aiosqlite:///meters.db"})
    with pytest.raises(ValidationError, match="jwt_public_keys_file is the development key"):
        Settings(**{**PRODUCTION, "jwt_public_keys_file": str(VAR_DIR / "keys" / "jwt-public.pem")})


def test_production_starts_with_its_own_database_and_keys():
    settings = Settings(**PRODUCTION)
    assert settings.environment == "production" and settings.database_url == PRODUCTION["database_url"]


def test_development_keeps_its_embedded_defaults():
    assert Settings(environment="development", database_url="").database_url.startswith(
        "sqlite+aiosqlite:///"
    )
