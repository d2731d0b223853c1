"""`ENVIRONMENT=production` starts every service in docker-compose.yml's configuration, given real secrets.

The five services run as processes here, each with the environment its compose definition gives it, the
`${...}` values filled from a set of freshly generated secrets exactly as `docker compose` fills them; only what
names the containers' world is moved to this machine: host names and ports, the key files' folder, the test run's
own databases (owned by roles whose passwords are those secrets) and bus prefix. Then the first staff user is
created with the documented command and logs in through the gateway."""

import asyncio
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from deploy.system import REPO_ROOT, SERVICES
from shared.auth import generate_keypair
from shared.testing import _admin_execute, amqp_url, delete_bus_objects, postgres_admin_url, unique_prefix
from tests.system import Inbox, free_port

pytestmark = pytest.mark.e2e

BACKENDS = ("accounts", "cases", "meters", "notifications")
# What compose asks of the operator: every one of them is required there (`${NAME:?...}`).
SECRETS = (
    "SESSION_SECRET",
    "ACCOUNTS_DB_PASSWORD",
    "CASES_DB_PASSWORD",
    "METERS_DB_PASSWORD",
    "NOTIFICATIONS_DB_PASSWORD",
    "RABBITMQ_SELFSERVICE_PASSWORD",
    "RABBITMQ_VENDOR_PASSWORD",
    "RABBITMQ_ADMIN_PASSWORD",
)
VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
# What a process needs from this machine's environment to run at all; nothing of the portal's own settings.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "SYSTEMROOT")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's interpolation: ${X}, ${X:-default}, ${X-default}, ${X:?error}, ${X?error} and $$."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        value = variables.get(name)
        if operator in (":-", "-"):
            return value if value or (operator == "-" and value is not None) else argument
        if operator in (":?", "?") and not (value or (operator == "?" and value is not None)):
            raise LookupError(f"{name}: {argument}")
        return value or ""

    return VARIABLE.sub(replace, value)


def compose_environment(service: str, variables: dict[str, str]) -> dict[str, str]:
    definition = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"][service]
    return {key: interpolate(str(value), variables) for key, value in definition["environment"].items()}


def test_compose_requires_every_secret_and_defaults_to_production():
    variables = {name: secrets.token_hex(16) for name in SECRETS}
    for service in SERVICES:
        assert compose_environment(service, variables)["ENVIRONMENT"] == "production"
    for name in SECRETS:
        needing = [
            service
            for service in (*SERVICES, "broker-definitions")
            if _refuses_without(service, {k: v for k, v in variables.items() if k != name})
        ]
        assert needing, f"no compose service requires {name}"


def _refuses_without(service: str, variables: dict[str, str]) -> bool:
    try:
        compose_environment(service, variables)
    except LookupError:
        return True
    return False


def _create_role_and_database(service: str, password: str) -> str:
    """A role with the secret password owning a fresh database; returns the database's name (= the role's)."""
    name = f"{service}_{uuid.uuid4().hex[:10]}"
    admin = make_url(postgres_admin_url()).set(drivername="postgresql+asyncpg")
    asyncio.run(_admin_execute(admin, f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'"))
    asyncio.run(_admin_execute(admin, f'CREATE DATABASE "{name}" OWNER "{name}"'))
    return name


def _drop_role_and_database(name: str) -> None:
    admin = make_url(postgres_admin_url()).set(drivername="postgresql+asyncpg")
    asyncio.run(_admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin_execute(admin, f'DROP ROLE IF EXISTS "{name}"'))


class ProductionLikeSystem:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.variables = {name: secrets.token_urlsafe(24) for name in SECRETS}
        self.ports = {service: free_port() for service in SERVICES}
        self.prefix = unique_prefix()
        self.inbox = Inbox()
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=free_port())
        self.databases: dict[str, str] = {}
        self.processes: dict[str, subprocess.Popen] = {}
        # The compose `keys` job's two volumes: the private key with its public half, and the public key alone.
        private_dir, public_dir = tmp / "keys" / "private", tmp / "keys" / "public"
        generate_keypair(private_dir)
        public_dir.mkdir(parents=True)
        (public_dir / "jwt-public.pem").write_bytes((private_dir / "jwt-public.pem").read_bytes())
        self.key_dirs = {"/keys/private": private_dir, "/keys/public": public_dir}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def env(self, service: str) -> dict[str, str]:
        """The compose environment of the service, moved to this machine."""
        env = compose_environment(service, self.variables)
        for key, value in env.items():
            for container_dir, local_dir in self.key_dirs.items():
                if value.startswith(container_dir + "/"):
                    env[key] = str(local_dir / value.removeprefix(container_dir + "/"))
            if key.endswith("_URL") and key != "DATABASE_URL" and key != "AMQP_URL" and key != "PUBLIC_URL":
                env[key] = self.url(key.removesuffix("_URL").lower())
        if service in BACKENDS:
            compose_url = make_url(env["DATABASE_URL"])
            assert compose_url.password == self.variables[f"{service.upper()}_DB_PASSWORD"]
            local = make_url(postgres_admin_url())
            env["DATABASE_URL"] = compose_url.set(
                host=local.host,
                port=local.port,
                username=self.databases[service],
                database=self.databases[service],
            ).render_as_string(hide_password=False)
        assert f":{self.variables['RABBITMQ_SELFSERVICE_PASSWORD']}@" in env["AMQP_URL"]
        env["AMQP_URL"], env["BUS_PREFIX"] = amqp_url(), self.prefix
        if service == "notifications":
            env["SMTP_HOST"], env["SMTP_PORT"] = "127.0.0.1", str(self.smtp.port)
        # What the image sets (Dockerfile ENV) and the container's port mapping.
        env.update(HOST="127.0.0.1", PORT=str(self.ports[service]), PUBLIC_URL=self.url("gateway"))
        return {**{k: os.environ[k] for k in INHERITED if k in os.environ}, **env}

    def run(self, service: str, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *arguments],
            env=self.env(service),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start(self) -> None:
        self.smtp.start()
        for service in BACKENDS:
            self.databases[service] = _create_role_and_database(
                service, self.variables[f"{service.upper()}_DB_PASSWORD"]
            )
            migrated = self.run(service, "-m", "shared.migrate", service)  # the <service>-migrate job
            assert migrated.returncode == 0, migrated.stderr[-3000:]
        for service in SERVICES:
            log = (self.tmp / f"{service}.log").open("w")
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", service],
                env=self.env(service),
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for service in SERVICES:
            self.wait_ready(service)

    def wait_ready(self, service: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            process = self.processes[service]
            if process.poll() is not None:
                raise AssertionError(
                    f"{service} ended (exit {process.returncode}):\n{self.log(service)[-3000:]}"
                )
            try:
                if httpx.get(f"{self.url(service)}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{service} not ready in production:\n{self.log(service)[-3000:]}")
            time.sleep(0.2)

    def log(self, service: str) -> str:
        return (self.tmp / f"{service}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.smtp.stop()
        for name in self.databases.values():
            _drop_role_and_database(name)
        asyncio.run(delete_bus_objects(amqp_url(), self.prefix, list(BACKENDS)))


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> Iterator[ProductionLikeSystem]:
    system = ProductionLikeSystem(tmp_path_factory.mktemp("production"))
    try:
        system.start()
        yield system
    finally:
        system.stop()


def test_every_service_is_ready_in_production_with_compose_settings(production):
    for service in SERVICES:
        health = httpx.get(f"{production.url(service)}/health/ready", timeout=5)
        assert health.status_code == 200, (service, health.text)
        assert production.env(service)["ENVIRONMENT"] == "production"
    for service in SERVICES:
        assert "refusing a production start" not in production.log(service)


def test_the_first_staff_user_is_created_with_the_documented_command_and_logs_in(production):
    email = f"first-{uuid.uuid4().hex[:6]}@canon.example"
    command = (
        "-m",
        "accounts.staff",
        "create",
        "--email",
        email,
        "--name",
        "Fiona First",
        "--role",
        "supervisor",
    )
    refused = production.run("accounts", *command, "--password", "a long passphrase 2026")
    assert refused.returncode != 0 and "only allowed in development and demo" in refused.stderr
    created = production.run("accounts", *command)
    assert created.returncode == 0, created.stderr[-3000:]
    link = created.stdout.split("invitation link: ")[1].strip()
    assert link.startswith(f"{production.url('gateway')}/invitations/")
    gateway = production.url("gateway")
    accepted = httpx.post(
        f"{gateway}/api/accounts/v1/invitations/accept",
        json={"token": link.rsplit("/", 1)[1], "name": "Fiona First", "password": "first supervisor 2026"},
        timeout=15,
    )
    assert accepted.status_code == 200, accepted.text
    login = httpx.post(
        f"{gateway}/api/accounts/v1/auth/login",
        json={"email": email, "password": "first supervisor 2026"},
        timeout=15,
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    me = httpx.get(f"{gateway}/api/accounts/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert me.json()["staff_role"] == "supervisor"
    # Another service verifies the token with the public key compose gives it (the public volume).
    departments = httpx.get(
        f"{gateway}/api/cases/v1/departments", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert departments.status_code == 200, departments.text


def test_a_placeholder_secret_stops_a_production_start(production):
    env = {
        **production.env("gateway"),
        "SESSION_SECRET": "change-me-please-change-me",
        "PORT": str(free_port()),
    }
    result = subprocess.run(
        [sys.executable, "-m", "gateway"], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "refusing a production start" in result.stdout + result.stderr
