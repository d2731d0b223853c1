"""An ended session's access token is refused (shared.revocations): at once by the process that takes the
`accounts.session.revoked` event, within the refresh interval by a replica that only finds it in the shared copy,
and no longer looked for once the token would have expired anyway."""

from datetime import timedelta

import pytest
from sqlalchemy import insert

from shared.clock import wall_now
from shared.events import new_event
from shared.events.accounts import SessionRevoked
from shared.revocations import RevocationsInMemory
from shared.testing import eventually

CASES = "/api/cases/v1/cases"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"revocation_refresh_seconds": 0.1})


async def answer(portal, token: str) -> int:
    return (await portal.client.get(CASES, headers={"Authorization": f"Bearer {token}"})).status_code


def token_of(portal, session_id: str) -> str:
    return portal.token_for("manager", memberships={"acc-1": "device_manager"}, session_id=session_id)


async def test_the_event_refuses_the_token_from_the_next_request_on(portal):
    token = token_of(portal, "s-1")
    assert await answer(portal, token) == 200
    await portal.app.state.revocations.stop()  # no refresh: only the event can tell
    ended = SessionRevoked(session_id="s-1", user_id="manager", expires_at=wall_now() + timedelta(minutes=15))
    await portal.bus.deliver(new_event(ended, source="accounts"))
    assert await answer(portal, token) == 401


async def copy_of_ended_session(portal, session_id: str, expires_in: timedelta) -> None:
    """As another replica of the service records the event it took: in the shared copy only."""
    table = portal.app.state.tables.revoked_sessions
    async with portal.app.state.db.session() as session, session.begin():
        await session.execute(
            insert(table).values(session_id=session_id, user_id="manager", expires_at=wall_now() + expires_in)
        )


async def test_a_session_another_replica_recorded_is_refused_after_the_next_refresh(portal):
    token = token_of(portal, "s-2")
    await copy_of_ended_session(portal, "s-2", timedelta(minutes=15))
    await eventually(lambda: answer(portal, token), accept=lambda status: status == 401, timeout=5)


async def test_a_session_whose_tokens_have_expired_is_no_longer_held(portal):
    await copy_of_ended_session(portal, "s-3", timedelta(seconds=-1))
    await copy_of_ended_session(portal, "s-4", timedelta(minutes=15))
    revocations = portal.app.state.revocations
    await eventually(lambda: revocations.includes("s-4"), timeout=5)
    assert not await revocations.includes("s-3")


async def test_until_the_copy_is_first_read_each_check_asks_the_database(portal):
    state = portal.app.state
    unread = RevocationsInMemory(state.db, state.tables.revoked_sessions, refresh_seconds=60)  # not started
    await copy_of_ended_session(portal, "s-5", timedelta(minutes=15))
    assert await unread.includes("s-5")
    assert not await unread.includes("s-6")
