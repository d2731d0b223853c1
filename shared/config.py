"""Settings common to every service, read from environment variables only."""

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"

Environment = Literal["development", "demo", "test", "production"]
# Shorter than this, a secret is guessed as easily as a default one.
MIN_SECRET_LENGTH = 16


class BusSettings(BaseSettings):
    """How a service reaches the broker and consumes: every service's, and the operator commands' (shared.parked),
    so that a command works on the broker and the names the services use."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    amqp_url: str = "amqp://guest:guest@localhost:5672/"
    # Prefix for exchange and queue names; tests set one per run so runs never see each other.
    bus_prefix: str = ""
    # Deliveries a consumer holds unacked at most; also the largest run of events handled in one transaction (see
    # bench/FINDINGS.md). The autoscaler's target per replica must be at least this (deploy/k8s).
    bus_prefetch: int = 1000
    bus_retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000)
    bus_delivery_limit: int = 10
    # How long after handling an event it may still come again (retry tiers, a long outage, a parked message
    # replayed by an operator): the inbox remembers handled events, and the outbox keeps sent rows, this long.
    bus_redelivery_window_hours: float = 168.0

    @field_validator("bus_retry_delays_ms", mode="before")
    @classmethod
    def _delays_from_text(cls, value: object) -> object:
        """The environment's JSON list (`[1000, 10000, 60000]`), also when given as text rather than read from
        the environment (the manifests' checks pass the ConfigMap's values so)."""
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value  # refused below, naming the field
        return value

    @model_validator(mode="after")
    def _window_covers_the_retries(self) -> "BusSettings":
        retries_s = sum(self.bus_retry_delays_ms) / 1000
        if self.bus_redelivery_window_hours * 3600 < retries_s:
            raise ValueError(
                f"bus_redelivery_window_hours is shorter than the retry tiers ({retries_s:.0f} s): "
                "an event retried after its inbox row is pruned would be handled twice"
            )
        return self

    @property
    def redelivery_window(self) -> timedelta:
        return timedelta(hours=self.bus_redelivery_window_hours)


class ServiceSettings(BusSettings):
    """Base of each service's settings; a service subclasses it and sets its own defaults."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")
    # Fields holding a secret a production start must not run with at a development value.
    secret_fields: ClassVar[tuple[str, ...]] = ()

    service_name: str = "service"
    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8000

    # Embedded default: one SQLite file per service under var/.
    database_url: str = ""

    jwt_issuer: str = "selfservice-accounts"
    jwt_audience: str = "selfservice"
    # Public keys that verify access tokens (PEM, one or more, separated by blank lines) or a file holding them.
    jwt_public_keys: str = ""
    jwt_public_keys_file: str = ""

    # Proxies whose X-Forwarded-For is believed: only the gateway, so client addresses reach the services and
    # nobody else can name one (addresses or networks, comma-separated; loopback by default).
    forwarded_allow_ips: str = "127.0.0.1"

    public_url: str = "http://localhost:8000"
    log_level: str = "INFO"
    # How often the sent outbox rows and the inbox rows older than the redelivery window are pruned.
    retention_interval_seconds: float = 3600.0
    # How often a service reads the ended sessions its other replicas recorded (shared.revocations).
    revocation_refresh_seconds: float = 1.0

    # Tests only: a file holding the business time the services run on (shared.clock reads it; declared here so
    # that a production start refuses it).
    test_clock_file: str = ""

    @model_validator(mode="after")
    def _defaults(self) -> "ServiceSettings":
        # A launcher running all services in one environment may set <SERVICE>_DATABASE_URL for each.
        self.database_url = os.environ.get(f"{self.service_name.upper()}_DATABASE_URL") or self.database_url
        if not self.database_url:
            if self.environment != "production":  # refused below; a production file system may be read-only
                VAR_DIR.mkdir(exist_ok=True)
            self.database_url = f"sqlite+aiosqlite:///{VAR_DIR / (self.service_name + '.db')}"
        if not self.jwt_public_keys and not self.jwt_public_keys_file:
            self.jwt_public_keys_file = str(VAR_DIR / "keys" / "jwt-public.pem")
        return self

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> "ServiceSettings":
        # Part of constructing the settings, so no start path of any service can skip it.
        if self.environment == "production" and (problems := self.development_defaults()):
            raise ValueError("refusing a production start: " + "; ".join(problems))
        return self

    def development_defaults(self) -> list[str]:
        """What in these settings is only fit for development, one line per field; subclasses add theirs."""
        problems = [
            f"{name} is missing, a default or shorter than {MIN_SECRET_LENGTH} characters: set {name.upper()}"
            for name in self.secret_fields
            if is_weak_secret(getattr(self, name))
        ]
        if self.database_url.startswith("sqlite"):
            problems.append("database_url is SQLite: set DATABASE_URL to PostgreSQL")
        if self.test_clock_file:
            problems.append(
                "test_clock_file is set: business time must be the real time, unset TEST_CLOCK_FILE"
            )
        if not self.jwt_public_keys and is_development_file(self.jwt_public_keys_file):
            problems.append(
                "jwt_public_keys_file is the development key under var/: set JWT_PUBLIC_KEYS_FILE or JWT_PUBLIC_KEYS"
            )
        return problems

    def public_keys_pem(self) -> str:
        if self.jwt_public_keys:
            return self.jwt_public_keys
        path = Path(self.jwt_public_keys_file)
        return path.read_text() if path.exists() else ""


def is_weak_secret(value: str | None) -> bool:
    return not value or "change-me" in value or value == "dev" or len(value) < MIN_SECRET_LENGTH


def is_development_file(path: str) -> bool:
    """A file under var/, where the development launcher keeps the keys it generates."""
    return Path(path).resolve().is_relative_to(VAR_DIR.resolve())
