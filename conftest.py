"""Fixtures for every test in the repository: keys and tokens, embedded databases, unique bus names."""

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from shared.auth import Principal, generate_keypair, sign_access_token
from shared.permissions import account_actions, portal_actions

# shared.testing finds the servers and turns skips into failures under CI=true; pytester runs that hook.
pytest_plugins = ["shared.testing", "pytester"]

ISSUER, AUDIENCE = "selfservice-accounts", "selfservice"


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory) -> tuple[bytes, str]:
    """A key pair for the run: (private PEM, public PEM)."""
    private_path, public_path = generate_keypair(tmp_path_factory.mktemp("keys"))
    return private_path.read_bytes(), public_path.read_text()


@pytest.fixture
def token_for(jwt_keys) -> Callable[..., str]:
    """Mint an access token as `accounts` would: token_for("user-id", memberships={...}, staff_role=None)."""

    def mint(
        user_id: str | None = None,
        *,
        memberships: dict[str, str] | None = None,
        staff_role: str | None = None,
        language: str = "en",
        session_id: str | None = None,
        lifetime_seconds: int = 600,
        country: str | None = None,
    ) -> str:
        return sign_access_token(
            jwt_keys[0],
            user_id=user_id or str(uuid.uuid4()),
            session_id=session_id or uuid.uuid4().hex,
            issuer=ISSUER,
            audience=AUDIENCE,
            lifetime_seconds=lifetime_seconds,
            language=language,
            memberships=memberships,
            staff_role=staff_role,
            # What accounts adds to every token: what the roles allow, computed by the same table.
            actions=portal_actions(
                Principal("", "", memberships=memberships or {}, staff_role=staff_role), ()
            ),
            account_actions={account: account_actions(role) for account, role in (memberships or {}).items()},
            country=country,
        )

    return mint


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"


async def create_all(url: str, metadata: MetaData) -> None:
    """Create a service's tables directly (unit tests; migrations are tested on their own)."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
