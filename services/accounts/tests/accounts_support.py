"""Helpers of the accounts tests: CRM events, polling, login (imported by the tests and their conftest)."""

from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from shared.events import CloudEvent, new_event
from shared.events.vendor import (
    Address,
    CrmAccountUpserted,
    CrmContactUpserted,
    CrmProductUpserted,
    SiteLocation,
)
from shared.testing import eventually

PASSWORD = "correct horse battery staple"


async def create_tables(url: str, metadata: MetaData) -> None:
    """The service's tables straight from the models (migrations are tested on PostgreSQL)."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


def crm(data) -> CloudEvent:
    return new_event(data, source="crm")


def account_event(number: str = "A-100", name: str = "Acme AB", **extra) -> CloudEvent:
    fields = {"country": "SE", "language": "sv", "time_zone": "Europe/Stockholm", **extra}
    return crm(CrmAccountUpserted(account_number=number, name=name, **fields))


def product_event(
    number: str = "A-100", serial: str = "SN-1", model_class: str = "colour", **extra
) -> CloudEvent:
    return crm(
        CrmProductUpserted(
            account_number=number,
            serial=serial,
            model="imageRUNNER C3826i",
            model_class=model_class,
            address=Address(street="Storgatan 1", postal_code="111 22", city="Stockholm", country="SE"),
            location=SiteLocation(
                building="B", floor="2", room="201", contact_name="Eva", contact_phone="+4681234"
            ),
            contract_number="C-1",
            response_time_hours=8,
            **extra,
        )
    )


def contact_event(
    email: str,
    number: str = "A-100",
    role: str | None = "device_manager",
    serials: list[str] | None = None,
    name: str = "Contact Person",
) -> CloudEvent:
    return crm(
        CrmContactUpserted(
            account_number=number, email=email, name=name, role=role, device_serials=serials or []
        )
    )


async def all_published(app, timeout: float = 5.0) -> int:
    """Wait until the outbox relay has published every committed event; how many the bus has seen."""
    outbox = app.state.tables.outbox

    async def nothing_unsent() -> bool:
        async with app.state.db.session() as session:
            unsent = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            )
        return unsent == 0

    await eventually(nothing_unsent, timeout, interval=0.02, what="every committed event published")
    return len(app.state.bus.published)


async def login(client, email: str, password: str = PASSWORD, device_token: str | None = None):
    body = {"email": email, "password": password, "device_token": device_token}
    return await client.post("/api/accounts/v1/auth/login", json=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
