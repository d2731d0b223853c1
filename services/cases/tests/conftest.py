"""A cases app on SQLite with the in-memory bus, fed the local copies an `accounts` service would publish.

Account acc-1 has devices d1 (assigned to the device manager, the stock manager and the device & stock
manager), d2 (assigned to a second device manager) and d4 (assigned to nobody); account acc-2 has d3."""

import asyncio
import json
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import func, select, update

from cases.audit.models import AuditEntry
from cases.case.models import Case
from cases.database import Base
from cases.main import create_app
from cases.settings import Settings
from conftest import create_all
from shared.events import new_event
from shared.events.accounts import (
    AccountUpserted,
    DeviceRemoved,
    DeviceUpserted,
    Location,
    Membership,
    UserUpserted,
)
from shared.migrate import upgrade
from shared.testing import app_client, eventually

ACCOUNT, OTHER_ACCOUNT = "acc-1", "acc-2"

# user id -> (name, account, role) for customers, or (name, None, staff role) for staff
PEOPLE = {
    "admin": ("Ada Admin", ACCOUNT, "administrator"),
    "manager": ("Max Manager", ACCOUNT, "device_manager"),
    "manager2": ("Mia Manager", ACCOUNT, "device_manager"),
    "stock": ("Sam Stock", ACCOUNT, "stock_manager"),
    "dsm": ("Dana Both", ACCOUNT, "device_stock_manager"),
    "knowledge": ("Kim Reader", ACCOUNT, "knowledge_user"),
    "other_admin": ("Olle Other", OTHER_ACCOUNT, "administrator"),
    "agent": ("Agnes Agent", None, "agent"),
    "agent2": ("Arvid Agent", None, "agent"),
    "boss": ("Sofia Supervisor", None, "supervisor"),
}
DEVICES = {
    "d1": (ACCOUNT, ["manager", "stock", "dsm"]),
    "d2": (ACCOUNT, ["manager2"]),
    "d3": (OTHER_ACCOUNT, ["other_admin"]),
    "d4": (ACCOUNT, []),
}


def device_event(
    device_id: str, account_id: str, assigned: list[str], *, active: bool = True, response_time_hours: int = 8
):
    return new_event(
        DeviceUpserted(
            device_id=device_id,
            account_id=account_id,
            serial=f"SN-{device_id}",
            model="imageRUNNER C3826i",
            model_class="colour",
            counters=["black", "colour"],
            location=Location(),
            response_time_hours=response_time_hours,
            assigned_user_ids=assigned,
            active=active,
        ),
        source="accounts",
    )


def user_event(user_id: str):
    name, account, role = PEOPLE[user_id]
    staff_role = role if account is None else None
    memberships = [Membership(account_id=account, role=role)] if account else []
    return new_event(
        UserUpserted(
            user_id=user_id,
            email=f"{user_id}@example.com",
            name=name,
            language="en",
            time_zone="Europe/Madrid",
            active=True,
            staff_role=staff_role,
            memberships=memberships,
        ),
        source="accounts",
    )


def account_event(account_id: str):
    return new_event(
        AccountUpserted(
            account_id=account_id,
            number=f"N-{account_id}",
            name=f"Account {account_id}",
            country="ES",
            language="es",
            time_zone="Europe/Madrid",
            active=True,
        ),
        source="accounts",
    )


@dataclass
class Portal:
    client: httpx.AsyncClient
    app: object
    token_for: object
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def bus(self):
        return self.app.state.bus

    def auth(self, user_id: str) -> dict[str, str]:
        if user_id not in self.tokens:
            _, account, role = PEOPLE[user_id]
            if account is None:
                self.tokens[user_id] = self.token_for(user_id, staff_role=role)
            else:
                self.tokens[user_id] = self.token_for(user_id, memberships={account: role})
        return {"Authorization": f"Bearer {self.tokens[user_id]}"}

    async def upsert_device(
        self, device_id: str, assigned: list[str], *, active: bool = True, response_time_hours: int = 8
    ) -> None:
        account = DEVICES[device_id][0]
        await self.bus.deliver(
            device_event(device_id, account, assigned, active=active, response_time_hours=response_time_hours)
        )

    async def remove_device(self, device_id: str) -> None:
        await self.bus.deliver(
            new_event(DeviceRemoved(device_id=device_id, account_id=DEVICES[device_id][0]), source="accounts")
        )

    async def create(self, user_id: str = "manager", device_id: str = "d1", **fields) -> httpx.Response:
        body = {
            "device_id": device_id,
            "type": "incident",
            "category": "paper_jam",
            "subject": "Paper jam in tray 2",
            "description": "Jams on every second page.",
            **fields,
        }
        return await self.client.post("/api/cases/v1/cases", json=body, headers=self.auth(user_id))

    async def new_case(self, user_id: str = "manager", device_id: str = "d1", **fields) -> dict:
        response = await self.create(user_id, device_id, **fields)
        assert response.status_code == 201, response.text
        return response.json()

    async def open(self, user_id: str, body: dict) -> httpx.Response:
        """POST a new case of any type exactly as given."""
        return await self.client.post("/api/cases/v1/cases", json=body, headers=self.auth(user_id))

    async def get(self, user_id: str, case_id: str) -> httpx.Response:
        return await self.client.get(f"/api/cases/v1/cases/{case_id}", headers=self.auth(user_id))

    async def cases(self, user_id: str, **params) -> httpx.Response:
        return await self.client.get("/api/cases/v1/cases", params=params, headers=self.auth(user_id))

    async def set_status(self, user_id: str, case_id: str, status: str, reason: str | None = None):
        body = {"status": status} | ({"reason": reason} if reason else {})
        return await self.client.post(
            f"/api/cases/v1/cases/{case_id}/status", json=body, headers=self.auth(user_id)
        )

    async def say(self, user_id: str, case_id: str, body: str, internal: bool = False) -> httpx.Response:
        return await self.client.post(
            f"/api/cases/v1/cases/{case_id}/messages",
            json={"body": body, "internal": internal},
            headers=self.auth(user_id),
        )

    async def published(self, event_type: str, count: int = 1) -> list:
        """The events of a type the outbox relay has published, once there are `count` of them."""
        await eventually(
            lambda: len(self.bus.of_type(event_type)) >= count,
            timeout=5,
            interval=0.01,
            what=f"{count} {event_type} published",
        )
        return self.bus.of_type(event_type)

    async def staged(self, event_type: str | None = None) -> list[dict]:
        """The events written to the outbox (committed), published or not."""
        outbox = self.app.state.tables.outbox
        query = select(outbox.c.payload).order_by(outbox.c.id)
        if event_type:
            query = query.where(outbox.c.event_type == event_type)
        async with self.app.state.db.session() as session:
            return [json.loads(p) for p in (await session.scalars(query)).all()]

    async def place(self, department: str, *user_ids: str) -> None:
        """The supervisor puts these staff users in the department."""
        for user_id in user_ids:
            response = await self.client.put(
                f"/api/cases/v1/departments/{department}/members/{user_id}", headers=self.auth("boss")
            )
            assert response.status_code == 200, response.text

    async def set_case(self, case_id: str, **values) -> None:
        """Write columns of a case directly (the SLA clock's fields, which no API sets)."""
        async with self.app.state.db.session() as session, session.begin():
            await session.execute(update(Case).where(Case.id == case_id).values(**values))

    async def count(self, model, *where) -> int:
        async with self.app.state.db.session() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))

    async def case_audit_entries(self) -> int:
        """Audit entries of cases (the accounts' arrival audits the creation of their calendar besides)."""
        return await self.count(AuditEntry, AuditEntry.case_id.is_not(None))


async def feed_directory(bus) -> None:
    for account in (ACCOUNT, OTHER_ACCOUNT):
        await bus.deliver(account_event(account))
    for user_id in PEOPLE:
        await bus.deliver(user_event(user_id))
    for device_id, (account, assigned) in DEVICES.items():
        await bus.deliver(device_event(device_id, account, assigned))


@pytest.fixture
def settings(sqlite_url, jwt_keys) -> Settings:
    return Settings(database_url=sqlite_url, amqp_url="memory://", jwt_public_keys=jwt_keys[1])


@pytest.fixture
async def portal(settings, token_for):
    await create_all(settings.database_url, Base.metadata)
    async for portal in running_portal(settings, token_for):
        yield portal


@pytest.fixture
async def migrated_portal(settings, token_for):
    """The portal on the schema its migrations make, with the routing rules they seed."""
    await asyncio.to_thread(upgrade, "cases", settings.database_url)
    async for portal in running_portal(settings, token_for):
        yield portal


async def running_portal(settings, token_for):
    app = create_app(settings)
    async with app_client(app) as client:
        await feed_directory(app.state.bus)
        yield Portal(client=client, app=app, token_for=token_for)
