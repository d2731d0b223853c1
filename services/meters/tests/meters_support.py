"""Helpers of the meters tests: a meters app on SQLite with the in-memory bus, fed with a small directory of accounts, users and devices.

Account acc-1 (Europe/Madrid) has d1 (assigned to the device manager, the stock manager and the device & stock
manager), d2 (assigned to a second device manager) and d4 (assigned to nobody); account acc-2 has d3."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from shared.events import new_event
from shared.events.accounts import AccountUpserted, DeviceUpserted, Location, Membership, UserUpserted
from shared.events.vendor import BillingMeterReadRequested, FleetMeterCollected
from shared.testing import eventually

ACCOUNT, OTHER_ACCOUNT = "acc-1", "acc-2"
TIME_ZONE = "Europe/Madrid"

# user id -> (name, account, role) for customers, or (name, None, staff role) for staff
PEOPLE = {
    "admin": ("Ada Admin", ACCOUNT, "administrator"),
    "admin2": ("Alf Admin", ACCOUNT, "administrator"),
    "manager": ("Max Manager", ACCOUNT, "device_manager"),
    "manager2": ("Mia Manager", ACCOUNT, "device_manager"),
    "stock": ("Sam Stock", ACCOUNT, "stock_manager"),
    "dsm": ("Dana Both", ACCOUNT, "device_stock_manager"),
    "knowledge": ("Kim Reader", ACCOUNT, "knowledge_user"),
    "other_admin": ("Olle Other", OTHER_ACCOUNT, "administrator"),
    "agent": ("Agnes Agent", None, "agent"),
}
DEVICES = {
    "d1": (ACCOUNT, ["manager", "stock", "dsm"]),
    "d2": (ACCOUNT, ["manager2"]),
    "d3": (OTHER_ACCOUNT, ["other_admin"]),
    "d4": (ACCOUNT, ["stock"]),  # only a stock manager: no one to read it but the administrators
}


def device_event(
    device_id: str,
    account_id: str,
    assigned: list[str],
    *,
    counters=("black", "colour"),
    daily_volume: int = 200,
):
    return new_event(
        DeviceUpserted(
            device_id=device_id,
            account_id=account_id,
            serial=f"SN-{device_id}",
            model="imageRUNNER C3826i",
            model_class="colour",
            counters=list(counters),
            location=Location(),
            response_time_hours=8,
            daily_volume=daily_volume,
            assigned_user_ids=assigned,
        ),
        source="accounts",
    )


def user_event(user_id: str):
    name, account, role = PEOPLE[user_id]
    return new_event(
        UserUpserted(
            user_id=user_id,
            email=f"{user_id}@example.com",
            name=name,
            language="en",
            time_zone=TIME_ZONE,
            active=True,
            staff_role=None if account else role,
            memberships=[Membership(account_id=account, role=role)] if account else [],
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
            time_zone=TIME_ZONE,
            active=True,
        ),
        source="accounts",
    )


def fleet_event(device_id: str, collected_at: datetime, **counters: int):
    return new_event(
        FleetMeterCollected(serial=f"SN-{device_id}", collected_at=collected_at, counters=counters),
        source="fleet",
    )


def billing_event(request_id: str, device_ids: list[str], due_in_days: int = 10, account_id: str = ACCOUNT):
    due = datetime.now(UTC).date() + timedelta(days=due_in_days)
    return new_event(
        BillingMeterReadRequested(
            request_id=request_id,
            account_number=f"N-{account_id}",
            serials=[f"SN-{d}" for d in device_ids],
            due_date=due,
        ),
        source="billing",
    )


def days_ago(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)


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
            self.tokens[user_id] = (
                self.token_for(user_id, staff_role=role)
                if account is None
                else self.token_for(user_id, memberships={account: role})
            )
        return {"Authorization": f"Bearer {self.tokens[user_id]}"}

    async def submit(
        self, user_id: str = "manager", device_id: str = "d1", confirm: bool | None = None, **counters
    ) -> httpx.Response:
        body: dict = {"counters": counters}
        if confirm is not None:
            body["confirm"] = confirm
        return await self.client.post(
            f"/api/meters/v1/devices/{device_id}/readings", json=body, headers=self.auth(user_id)
        )

    async def history(self, user_id: str = "manager", device_id: str = "d1", **params) -> httpx.Response:
        return await self.client.get(
            f"/api/meters/v1/devices/{device_id}/readings", params=params, headers=self.auth(user_id)
        )

    async def correct(self, user_id: str, device_id: str, **body) -> httpx.Response:
        return await self.client.post(
            f"/api/meters/v1/devices/{device_id}/corrections", json=body, headers=self.auth(user_id)
        )

    async def collected(self, device_id: str, collected_at: datetime, **counters: int) -> None:
        await self.bus.deliver(fleet_event(device_id, collected_at, **counters))

    async def staged(self, event_type: str) -> list[dict]:
        """The data of the events of a type written to the outbox (committed), published or not."""
        outbox = self.app.state.tables.outbox
        query = select(outbox.c.payload).where(outbox.c.event_type == event_type).order_by(outbox.c.id)
        async with self.app.state.db.session() as session:
            return [json.loads(p)["data"] for p in (await session.scalars(query)).all()]

    async def published(self, event_type: str, count: int = 1) -> list:
        """The events of a type the outbox relay has published, once there are `count` of them."""
        await eventually(
            lambda: len(self.bus.of_type(event_type)) >= count,
            timeout=5,
            interval=0.01,
            what=f"{count} {event_type} published",
        )
        return self.bus.of_type(event_type)

    async def count(self, model) -> int:
        async with self.app.state.db.session() as session:
            return await session.scalar(select(func.count()).select_from(model))


async def feed_directory(bus) -> None:
    for account in (ACCOUNT, OTHER_ACCOUNT):
        await bus.deliver(account_event(account))
    for user_id in PEOPLE:
        await bus.deliver(user_event(user_id))
    for device_id, (account, assigned) in DEVICES.items():
        await bus.deliver(device_event(device_id, account, assigned))
