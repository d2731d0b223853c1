"""The five services as local processes: their ports, their environment, and waiting until they are ready.
Used by `make run` and by the end-to-end tests."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = REPO_ROOT / "var" / "log"  # make run: one JSON log per service
MAIL_DIR = REPO_ROOT / "var" / "mail"  # make run: one .eml per caught email
SERVICES = {"accounts": 8001, "cases": 8002, "meters": 8003, "notifications": 8004, "gateway": 8000}
BACKEND_SERVICES = [name for name in SERVICES if name != "gateway"]


@dataclass
class SystemConfig:
    """Everything that differs between one local system and another (make run, a test run)."""

    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    database_urls: dict[str, str] = field(default_factory=dict)  # service -> URL; default SQLite under var/
    amqp_url: str = "amqp://guest:guest@localhost:5672/"
    bus_prefix: str = ""
    environment: str = "demo"
    smtp_port: int = 1025
    keys_dir: Path = REPO_ROOT / "var" / "keys"
    extra_env: dict[str, str] = field(default_factory=dict)
    # service -> URL where it is not a local process on its port (the demo loader inside compose)
    service_urls: dict[str, str] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return self.service_urls.get(service) or f"http://127.0.0.1:{self.ports[service]}"

    def env(self, service: str) -> dict[str, str]:
        env = {
            **os.environ,
            "ENVIRONMENT": self.environment,
            "PORT": str(self.ports[service]),
            "AMQP_URL": self.amqp_url,
            "BUS_PREFIX": self.bus_prefix,
            "JWT_PUBLIC_KEYS_FILE": str(self.keys_dir / "jwt-public.pem"),
            "JWT_PRIVATE_KEY_FILE": str(self.keys_dir / "jwt-private.pem"),
            "PUBLIC_URL": self.url("gateway").replace("127.0.0.1", "localhost"),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp_port),
            **{f"{name.upper()}_URL": self.url(name) for name in BACKEND_SERVICES},
            **self.extra_env,
        }
        env.pop("DATABASE_URL", None)
        if service in self.database_urls:
            env["DATABASE_URL"] = self.database_urls[service]
        return env

    def migrate(self) -> None:
        for service in BACKEND_SERVICES:
            subprocess.run(
                [sys.executable, "-m", "shared.migrate", service],
                env=self.env(service),
                check=True,
                cwd=REPO_ROOT,
                stdout=subprocess.DEVNULL,
            )

    def start(self, service: str, **popen_options) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", service], env=self.env(service), cwd=REPO_ROOT, **popen_options
        )

    def wait_ready(self, timeout: float = 60.0, services=tuple(SERVICES)) -> None:
        deadline = time.monotonic() + timeout
        for service in services:
            while not _ready(self.url(service)):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} not ready after {timeout:.0f}s")
                time.sleep(0.2)


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/health/ready", timeout=2) as response:  # noqa: S310 (our own http URL)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
