"""The demo loader as compose's profile `demo` runs it: `python -m deploy.demo.load` in its own process, finding
the services, the accounts database and the broker from its environment alone (ACCOUNTS_URL, CASES_URL,
METERS_URL, DATABASE_URL, AMQP_URL, BUS_PREFIX), as docker-compose.yml's service `demo` sets them. Loading
again over data already there changes nothing."""

import os
import subprocess
import sys

import pytest

from deploy.demo.data import CONTACTS, DEMO_PASSWORD, STAFF
from deploy.system import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_the_loader_runs_from_the_environment_compose_gives_it(system):
    config = system.config
    env = {
        **{key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ},
        "ENVIRONMENT": "demo",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "AMQP_URL": config.amqp_url,
        "BUS_PREFIX": config.bus_prefix,
        "DATABASE_URL": config.database_urls["accounts"],
        "JWT_PRIVATE_KEY_FILE": str(config.keys_dir / "jwt-private.pem"),
        **{f"{service.upper()}_URL": config.url(service) for service in ("accounts", "cases", "meters")},
    }
    result = subprocess.run(
        [sys.executable, "-m", "deploy.demo.load"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("published ") and "demo events on canon.sync" in result.stdout
    # Every demo login still works, with one account each: nothing was created twice.
    for email in [contact.email for contact in CONTACTS] + [person["email"] for person in STAFF]:
        assert system.login(email)
    with system.client(system.login("admin@nordisk.example")) as api:
        assert len(api.get("/api/accounts/v1/devices").json()["items"]) == 3
