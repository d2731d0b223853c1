"""Fixtures of the accounts tests: the app on SQLite with the in-memory bus, users with passwords, CRM data."""

from collections.abc import Callable

import pytest

from accounts.database import Base
from accounts.main import create_app
from accounts.settings import Settings
from accounts.users.models import Membership, User
from accounts.users.passwords import hash_password
from services.accounts.tests.accounts_support import PASSWORD, account_event, create_tables, product_event
from shared.testing import app_client


@pytest.fixture
def settings_for(sqlite_url, jwt_keys, tmp_path) -> Callable[..., Settings]:
    key_file = tmp_path / "keys" / "jwt-private.pem"
    key_file.parent.mkdir()
    key_file.write_bytes(jwt_keys[0])

    def make(**overrides) -> Settings:
        values = {
            "database_url": sqlite_url,
            "amqp_url": "memory://",
            "environment": "test",
            "jwt_private_key_file": str(key_file),
            "jwt_public_keys": jwt_keys[1],
        }
        return Settings(**{**values, **overrides})

    return make


@pytest.fixture
async def app(settings_for, sqlite_url):
    await create_tables(sqlite_url, Base.metadata)
    return create_app(settings_for())


@pytest.fixture
async def client(app):
    async with app_client(app) as client:
        yield client


@pytest.fixture
def bus(app, client):
    return app.state.bus


@pytest.fixture
def add_user(app, client) -> Callable:
    """Create a user directly in the database: add_user(email, memberships={account_id: role}, staff_role=...)."""

    async def add(
        email: str,
        *,
        password: str = PASSWORD,
        memberships: dict[str, str] | None = None,
        staff_role: str | None = None,
        verified: bool = True,
        active: bool = True,
    ) -> User:
        async with app.state.db.session() as session, session.begin():
            user = User(
                email=email.lower(),
                name=email.split("@")[0].title(),
                password_hash=await hash_password(password),
                email_verified=verified,
                active=active,
                staff_role=staff_role,
                memberships=[Membership(account_id=a, role=r) for a, r in (memberships or {}).items()],
            )
            session.add(user)
        return user

    return add


@pytest.fixture
async def crm_world(bus):
    """Two accounts; A-100 with devices SN-1 (colour) and SN-2 (mono), B-200 with SN-9 (a3_colour)."""
    for event in (
        account_event("A-100", "Acme AB"),
        account_event("B-200", "Beta SL"),
        product_event("A-100", "SN-1", "colour"),
        product_event("A-100", "SN-2", "mono"),
        product_event("B-200", "SN-9", "a3_colour"),
    ):
        await bus.deliver(event)
    return bus
