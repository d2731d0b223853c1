"""Creating vendor staff from the command line, and the settings that refuse unsafe starts."""

import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from accounts.audit.models import AuditEntry
from accounts.main import create_app
from accounts.staff import create_staff, parse
from services.accounts.tests.accounts_support import all_published, bearer, login

API = "/api/accounts/v1"


async def test_staff_user_with_password_in_development(app, client, settings_for):
    args = parse(
        [
            "create",
            "--email",
            "Agent@Canon.example",
            "--name",
            "Ada Agent",
            "--role",
            "supervisor",
            "--password",
            "agent passphrase 2026",
        ]
    )
    message = await create_staff(settings_for(environment="development"), args)
    assert "agent@canon.example" in message and "invitation" not in message
    tokens = (await login(client, "agent@canon.example", "agent passphrase 2026")).json()
    me = (await client.get(f"{API}/me", headers=bearer(tokens["access_token"]))).json()
    assert me["staff_role"] == "supervisor" and me["memberships"] == []
    # The event was written to the outbox by the command; the running service's relay publishes it.
    await all_published(app)
    published = [e for e in app.state.bus.of_type("accounts.user.upserted") if e.data["email"] == me["email"]]
    assert published and published[0].data["staff_role"] == "supervisor"
    async with app.state.db.session() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "user.staff_role_set"))
    assert entry.actor_id == "system:accounts" and entry.details == {"staff_role": "supervisor"}
    assert (entry.old_values, entry.new_values) == ({"staff_role": None}, {"staff_role": "supervisor"})
    # The token says what a supervisor may start: the case queue, and the departments and routing (F-42).
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["staff_role"] == "supervisor"
    assert {"work_cases", "manage_routing"} <= set(claims["actions"])


async def test_an_agent_promoted_to_supervisor_is_audited_with_the_role_before_and_after(
    app, client, settings_for
):
    settings = settings_for(environment="development")
    for role in ("agent", "supervisor"):
        await create_staff(
            settings, parse(["create", "--email", "ana@canon.example", "--name", "Ana", "--role", role])
        )
    async with app.state.db.session() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "user.staff_role_set"))
        ).all()
    assert [(e.old_values, e.new_values) for e in entries] == [
        ({"staff_role": None}, {"staff_role": "agent"}),
        ({"staff_role": "agent"}, {"staff_role": "supervisor"}),
    ]


async def test_outside_development_staff_get_an_invitation_link(app, client, settings_for):
    settings = settings_for(environment="test")
    with pytest.raises(SystemExit, match="only allowed"):
        await create_staff(
            settings,
            parse(
                ["create", "--email", "a@canon.example", "--name", "A", "--password", "agent passphrase 2026"]
            ),
        )
    message = await create_staff(settings, parse(["create", "--email", "a@canon.example", "--name", "A"]))
    link = message.split("invitation link: ")[1]
    assert link.startswith(f"{settings.public_url}/invitations/")
    token = link.rsplit("/", 1)[1]
    accepted = await client.post(
        f"{API}/invitations/accept",
        json={"token": token, "name": "Anna Agent", "password": "agent passphrase 2026"},
    )
    assert accepted.status_code == 200, accepted.text
    tokens = (await login(client, "a@canon.example", "agent passphrase 2026")).json()
    assert app.state.verifier.verify(tokens["access_token"]).staff_role == "agent"


def test_production_refuses_to_start_without_a_signing_key(settings_for, tmp_path):
    missing = settings_for(
        environment="production",
        jwt_private_key_file=str(tmp_path / "absent.pem"),
        database_url="postgresql+asyncpg://db/accounts",
    )
    with pytest.raises(RuntimeError, match="signing key"):
        create_app(missing)
    assert not (tmp_path / "absent.pem").exists()


def test_development_creates_the_key_pair_when_missing(settings_for, tmp_path):
    settings = settings_for(
        environment="development", jwt_private_key_file=str(tmp_path / "new" / "signing.pem")
    )
    create_app(settings)
    assert (tmp_path / "new" / "signing.pem").exists()
    assert settings.signing_public_pem() in settings.public_keys_pem()


def test_demo_password_is_refused_in_production_and_ignored_outside_demo(settings_for):
    with pytest.raises(ValidationError, match="demo_password"):
        settings_for(environment="production", demo_password="demo passphrase 2026")
    assert settings_for(environment="development", demo_password="x" * 12).effective_demo_password == ""
    assert settings_for(environment="demo", demo_password="x" * 12).effective_demo_password == "x" * 12
