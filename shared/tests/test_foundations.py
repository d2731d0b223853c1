"""Unit tests of the shared pieces that every service relies on."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field, ValidationError

from shared.config import VAR_DIR, ServiceSettings
from shared.errors import field_error, install_problem_handlers
from shared.events import REGISTRY, CloudEvent, new_event
from shared.events.cases import CaseStatusChanged
from shared.i18n import LocaleFormatter, negotiate_language, zone_region
from shared.testing import app_client


@pytest.mark.parametrize(
    "header, preferred, expected",
    [
        ("sv-SE,sv;q=0.9,en;q=0.8", None, "sv"),
        ("es-ES,es;q=0.9", None, "es"),
        ("de-DE,fr;q=0.5", None, "en"),
        (None, None, "en"),
        ("sv-SE", "es", "es"),
    ],
)
def test_language_from_profile_else_browser_else_english(header, preferred, expected):
    assert negotiate_language(header, preferred) == expected


def test_dates_in_the_users_language_and_time_zone():
    moment = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert LocaleFormatter("sv", "Europe/Stockholm").date(moment) == "3 mars 2026"
    assert "mar 2026" in LocaleFormatter("es", "Europe/Madrid").date(moment)
    assert LocaleFormatter("en", "Not/AZone").date(moment) == "Mar 2, 2026"


class SettingsWithASecret(ServiceSettings):
    secret_fields = ("api_secret",)
    api_secret: str = "change-me"


def test_a_production_start_with_default_secrets_a_development_key_or_sqlite_refuses():
    production: dict[str, Any] = {
        "environment": "production",
        "database_url": "postgresql+asyncpg://db/x",
        "jwt_public_keys_file": "/keys/public/jwt-public.pem",
    }
    for secret in ("change-me", "dev", "", "too-short"):
        with pytest.raises(ValidationError, match=r"api_secret .* set API_SECRET"):
            SettingsWithASecret(**production, api_secret=secret)
    with pytest.raises(ValidationError, match="database_url is SQLite"):
        ServiceSettings(**{**production, "database_url": "sqlite+aiosqlite:///x.db"})
    with pytest.raises(ValidationError, match="jwt_public_keys_file is the development key"):
        ServiceSettings(**{**production, "jwt_public_keys_file": str(VAR_DIR / "keys" / "jwt-public.pem")})
    assert SettingsWithASecret(**production, api_secret="a-long-random-secret").environment == "production"
    assert ServiceSettings(**{**production, "jwt_public_keys_file": "", "jwt_public_keys": "PEM"})
    development = SettingsWithASecret(environment="development")
    assert development.database_url.startswith("sqlite") and development.api_secret == "change-me"


def test_events_round_trip_through_the_envelope():
    data = CaseStatusChanged(
        case_id="c",
        number="CS-2026-000001",
        account_id="a",
        subject="s",
        old_status="new",
        new_status="in_progress",
        changed_by="u",
        changed_by_side="vendor",
        follower_ids=[],
        changed_at=datetime.now(UTC),
    )
    event = new_event(data, source="cases", subject="c", correlation_id="cid")
    again = CloudEvent.model_validate_json(event.model_dump_json())
    assert again.payload() == data and again.correlationid == "cid" and again.type in REGISTRY


async def test_problem_details_name_the_field_at_fault():
    app = FastAPI()
    install_problem_handlers(app)

    class Body(BaseModel):
        subject: str = Field(min_length=1)

    @app.post("/things")
    async def create(body: Body) -> dict:
        raise field_error("subject", "already taken", status=409)

    async with app_client(app) as client:
        invalid = await client.post("/things", json={"subject": ""})
        conflict = await client.post("/things", json={"subject": "x"})
        missing = await client.get("/nothing-here")
    assert invalid.status_code == 422 and invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json()["errors"][0]["field"] == "subject"
    assert conflict.status_code == 409 and conflict.json()["errors"] == [
        {"field": "subject", "code": "invalid", "params": {}, "message": "already taken"}
    ]
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_dates_follow_the_language_as_written_in_the_country():
    """F-70: English for a European account is British English, day before month and a 24-hour clock; an
    American account keeps the American order; where only a European time zone is known, it stands for Europe."""
    moment = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
    assert LocaleFormatter("en", "Europe/Madrid", "ES").datetime(moment, "short") == "01/12/2026, 14:30"
    assert LocaleFormatter("en", "Europe/Stockholm", "SE").date(moment) == "1 Dec 2026"
    assert (
        LocaleFormatter("en", "America/New_York", "US").datetime(moment, "short") == "12/1/26, 8:30\u202fAM"
    )
    assert LocaleFormatter("en", "UTC").date(moment) == "Dec 1, 2026"  # nothing known: the default
    assert LocaleFormatter("en", "Europe/Dublin", zone_region("Europe/Dublin")).date(moment) == "1 Dec 2026"
    assert zone_region("America/Bogota") is None
    assert LocaleFormatter("es", "Europe/Madrid", "ES").number(12345.5) == "12.345,5"
    assert LocaleFormatter("sv", "Europe/Stockholm", "SE").datetime(moment, "short") == "2026-12-01 14:30"
    assert (
        LocaleFormatter("sv", "Europe/Stockholm", "ZZ").date(moment) == "1 dec. 2026"
    )  # unknown: the language
    # A Spanish account's user reading Swedish: no such regional locale, so Swedish as such.
    assert LocaleFormatter("sv", "Europe/Madrid", "ES").date(moment) == "1 dec. 2026"
