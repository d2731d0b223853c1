"""Scenarios 4 and 5: the fleet software's automatic readings (`fleet.meter.collected` on canon.sync) until every
one is stored and its `meters.reading.accepted` confirmed by the broker; beside them a bare aio-pika consume-and-ack
and a bare insert of as many rows, on the same broker and database."""

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import aio_pika
import aiormq
from sqlalchemy import JSON, Boolean, Column, Date, MetaData, String, Table, insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from deploy.demo.load import publish_vendor_events
from deploy.system import REPO_ROOT
from shared.db import UtcDateTime
from shared.events import VENDOR_EXCHANGE, CloudEvent, EventData, new_event
from shared.events.envelope import CONTENT_TYPE
from shared.events.vendor import Address, CrmAccountUpserted, CrmProductUpserted, FleetMeterCollected
from tests.system import RunningSystem

ACCOUNT = "BENCH-FLEET"
DAILY_PAGES = 400
MADRID = Address(street="Calle de Alcalá 1", postal_code="28009", city="Madrid", country="ES")


@dataclass
class Fleet:
    """The benchmark's devices and the next day not yet collected for them."""

    serials: list[str]
    first_day: date
    next_day: int = 0

    def readings(self, count: int) -> list[bytes]:
        """`count` readings, a day of the whole fleet at a time (as the fleet software reports), as CloudEvents."""
        return [event.model_dump_json(exclude_none=True).encode() for event in self.events(count)]

    def events(self, count: int) -> list[CloudEvent]:
        days = -(-count // len(self.serials))
        events = []
        for day in range(self.next_day, self.next_day + days):
            collected_at = datetime.combine(self.first_day + timedelta(days=day), clock(7, 0), tzinfo=UTC)
            for number, serial in enumerate(self.serials):
                pages = 10_000 + number + day * DAILY_PAGES
                counters = {"black": pages} if number % 2 else {"black": pages, "colour": pages // 3}
                events.append(
                    new_event(
                        FleetMeterCollected(serial=serial, collected_at=collected_at, counters=counters),
                        source="fleet",
                    )
                )
        self.next_day += days
        return events[:count]


def seed_fleet(
    system: RunningSystem, devices: int, days_needed: int, *, account: str = ACCOUNT, prefix: str = "BF"
) -> Fleet:
    """The devices of one more account, sent by the CRM like any other, and awaited until the services know
    them."""
    serials = [f"{prefix}{number:06d}" for number in range(devices)]
    owner = CrmAccountUpserted(
        account_number=account,
        name="Benchmark Fleet S.A.",
        country="ES",
        language="es",
        time_zone="Europe/Madrid",
        address=MADRID,
    )
    add_devices(system, account, serials, before=[owner])
    return Fleet(serials, first_day=date.today() - timedelta(days=days_needed + 1))


def add_devices(
    system: RunningSystem, account: str, serials: list[str], before: Sequence[EventData] = ()
) -> None:
    """Devices of an account (every other one colour), sent by the CRM after `before`, awaited until `meters`
    and `cases` know every one."""
    events: list[EventData] = list(before)
    events += [
        CrmProductUpserted(
            account_number=account,
            serial=serial,
            model="imageRUNNER ADVANCE DX C3826i",
            model_class="mono" if number % 2 else "colour",
            address=MADRID,
            daily_volume=DAILY_PAGES,
        )
        for number, serial in enumerate(serials)
    ]
    asyncio.run(publish_vendor_events(system.config.amqp_url, system.config.bus_prefix, events, source="crm"))
    deadline = time.monotonic() + 300
    for service in ("meters", "cases"):
        url = system.config.database_urls[service]
        sql = "SELECT count(*) FROM device WHERE serial = ANY(:serials)"
        while asyncio.run(scalar(url, sql, serials=serials)) < len(serials):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service} did not learn the benchmark's devices")
            time.sleep(0.5)


async def scalar(url: str, sql: str, **params) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(sql), params)).scalar_one()
    finally:
        await engine.dispose()


# The portal ------------------------------------------------------------------------------------------------------


def ingest(system: RunningSystem, bodies: list[bytes]) -> float:
    """Seconds from the first publish until every reading is stored and its event confirmed by the broker."""
    return asyncio.run(_ingest(system, bodies))


async def _ingest(system: RunningSystem, bodies: list[bytes]) -> float:
    engine = create_async_engine(system.config.database_urls["meters"])
    try:
        async with engine.connect() as connection:
            before = (await connection.execute(text("SELECT count(*) FROM reading"))).scalar_one()
        exchange_name = system.config.bus_prefix + VENDOR_EXCHANGE
        started = time.monotonic()
        publishing = asyncio.create_task(
            publish_all(system.config.amqp_url, exchange_name, "fleet.meter.collected", bodies)
        )
        while True:
            # Counting a table of several hundred thousand readings takes PostgreSQL a core for 15-20 ms: polled
            # every 50 ms, the count itself slowed what it measured. An interval of 2% of the time so far bounds
            # both that cost and the error of the end time.
            await asyncio.sleep(max(0.05, (time.monotonic() - started) / 50))
            async with engine.connect() as connection:
                stored = (
                    await connection.execute(text("SELECT count(*) FROM reading"))
                ).scalar_one() - before
                unsent = (
                    await connection.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
                ).scalar_one()
                rejected = (
                    await connection.execute(text("SELECT count(*) FROM rejected_reading"))
                ).scalar_one()
            if rejected:
                raise RuntimeError(f"{rejected} benchmark readings were refused: see the meters log")
            if stored >= len(bodies) and unsent == 0:
                elapsed = time.monotonic() - started
                break
        await publishing
        return elapsed
    finally:
        await engine.dispose()


async def publish_all(
    amqp_url: str, exchange_name: str, routing_key: str, bodies: list[bytes], window: int = 1000
) -> None:
    """Persistent, confirmed messages, `window` of them in flight at a time. Straight on aio-pika's underlying
    channel, as the portal's relay publishes: the load generator shares the cores with the portal, so it is kept
    as light as the broker's client allows."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await (await connection.channel(publisher_confirms=True)).get_underlay_channel()

        def properties() -> aiormq.spec.Basic.Properties:
            return aiormq.spec.Basic.Properties(
                content_type=CONTENT_TYPE,
                message_id=str(uuid.uuid4()),
                message_type=routing_key,
                delivery_mode=2,
            )

        for start in range(0, len(bodies), window):
            await asyncio.gather(
                *(
                    channel.basic_publish(  # type: ignore[call-arg]  # aiormq's abstract channel omits `wait`
                        body,
                        exchange=exchange_name,
                        routing_key=routing_key,
                        properties=properties(),
                        wait=False,
                    )
                    for body in bodies[start : start + window]
                )
            )
    finally:
        await connection.close()


# The anchors -----------------------------------------------------------------------------------------------------


def raw_consume_and_ack(amqp_url: str, prefix: str, bodies: list[bytes], prefetch: int) -> float:
    """Seconds to publish the same messages to a quorum queue and consume and ack them in another process."""
    queue_name = f"{prefix}bench.raw-consume.{uuid.uuid4().hex[:6]}"
    asyncio.run(declare_quorum_queue(amqp_url, queue_name))
    consumer = subprocess.Popen(
        [sys.executable, "-m", "bench.raw_consumer", amqp_url, queue_name, str(len(bodies)), str(prefetch)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert consumer.stdout is not None  # a pipe, as asked
    try:
        assert consumer.stdout.readline().strip() == "ready"
        started = time.monotonic()
        asyncio.run(publish_all(amqp_url, "", queue_name, bodies))
        assert consumer.stdout.readline().strip() == "done"
        return time.monotonic() - started
    finally:
        consumer.wait(timeout=30)
        asyncio.run(declare_quorum_queue(amqp_url, queue_name, delete=True))


async def declare_quorum_queue(amqp_url: str, name: str, delete: bool = False) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        queue = await (await connection.channel()).declare_queue(
            name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        if delete:
            await queue.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()


def raw_insert(database_url: str, count: int, chunk: int = 1000) -> float:
    """Seconds to insert `count` rows shaped like readings, a thousand per transaction."""
    return asyncio.run(_raw_insert(database_url, count, chunk))


async def _raw_insert(database_url: str, count: int, chunk: int) -> float:
    table = Table(
        "bench_raw_reading",
        MetaData(),
        Column("id", String(36), primary_key=True),
        Column("device_id", String(36)),
        Column("account_id", String(36)),
        Column("local_date", Date),
        Column("read_at", UtcDateTime),
        Column("source", String(12)),
        Column("confirmed_implausible", Boolean),
        Column("counters", JSON),
        Column("created_at", UtcDateTime),
    )
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.create_all)
        now = datetime.now(UTC)
        rows = [
            {
                "id": str(uuid.uuid4()),
                "device_id": f"device-{n % 2000}",
                "account_id": "bench",
                "local_date": date.today(),
                "read_at": now,
                "source": "automatic",
                "confirmed_implausible": False,
                "counters": {"black": n, "colour": n // 3},
                "created_at": now,
            }
            for n in range(count)
        ]
        started = time.monotonic()
        for start in range(0, count, chunk):
            async with engine.begin() as connection:
                await connection.execute(insert(table), rows[start : start + chunk])
        elapsed = time.monotonic() - started
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.drop_all)
        return elapsed
    finally:
        await engine.dispose()
