"""Scenario 3: from an agent's status change (its HTTP response) to the customer's email at the SMTP server,
at a steady rate; beside it the round trip of one aio-pika publish to a consumer on the same broker."""

import asyncio
import re
import statistics
import time
import uuid

import aio_pika
import httpx

from bench.http_paths import CUSTOMER, incident_on_first_device
from bench.portal import TimedInbox, timed_inbox
from bench.report import Report
from tests.system import RunningSystem

AGENT = "agent@canon.example"
CASE_NUMBER = re.compile(r"CS-[\w-]+")


def event_latency(system: RunningSystem, report: Report, *, rate: float, seconds: float) -> None:
    inbox = timed_inbox(system)
    count = int(rate * seconds)
    customer, token = system.login(CUSTOMER), system.login(AGENT)
    device = incident_on_first_device(system, customer)["device_id"]
    cases = asyncio.run(new_cases(system.config.url("gateway"), customer, device, count))
    inbox.wait_until_quiet()
    latencies, lost = asyncio.run(status_changes(system.config.url("gateway"), token, cases, rate, inbox))
    broker = asyncio.run(broker_round_trips(system.config.amqp_url, system.config.bus_prefix, rate, count))
    rows = [
        ["status change → email at SMTP", *percentiles(latencies), str(len(latencies)), str(lost)],
        ["aio-pika publish → consumer (raw)", *percentiles(broker), str(len(broker)), "0"],
    ]
    report.table(
        f"3. Event latency at {rate:.0f} per second ({count} events)",
        ["Path", "p50 ms", "p99 ms", "max ms", "Measured", "Lost"],
        rows,
        "Status change: the case, its history row and the outbox event commit; the relay publishes; "
        "notifications renders the customer's email in their language and sends it over SMTP.",
    )
    p99 = quantile(latencies, 0.99)
    report.target(
        f"Event to email p99 at {rate:.0f}/s", "<= 100 ms", f"{p99:.1f} ms", p99 <= 100 and not lost
    )


async def new_cases(gateway: str, customer_token: str, device_id: str, count: int) -> list[dict]:
    """Cases the customer reports for the agent to move on (eight at a time)."""
    body = {
        "device_id": device_id,
        "type": "incident",
        "category": "paper_jam",
        "subject": "Atasco en la bandeja 2",
        "description": "El papel se atasca en cada impresión.",
    }
    async with httpx.AsyncClient(
        base_url=gateway,
        headers={"Authorization": f"Bearer {customer_token}"},
        timeout=60,
        limits=httpx.Limits(max_connections=8),
    ) as client:

        async def report() -> dict:
            return (await client.post("/api/cases/v1/cases", json=body)).raise_for_status().json()

        return await asyncio.gather(*(report() for _ in range(count)))


async def status_changes(
    gateway: str, agent_token: str, cases: list[dict], rate: float, inbox: TimedInbox
) -> tuple[list[float], int]:
    """Milliseconds from each response to its email; and how many emails never came."""
    responded: dict[str, float] = {}
    started = time.monotonic()
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(
        base_url=gateway, headers={"Authorization": f"Bearer {agent_token}"}, timeout=30, limits=limits
    ) as client:

        async def change(case: dict) -> None:
            answer = await client.post(
                f"/api/cases/v1/cases/{case['id']}/status", json={"status": "in_progress"}
            )
            answer.raise_for_status()
            responded[case["number"]] = time.monotonic()

        tasks = []
        for index, case in enumerate(cases):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(change(case)))
        await asyncio.gather(*tasks)
    deadline = time.monotonic() + 60
    while True:
        arrived = first_arrivals(inbox.since(started))
        if set(responded) <= set(arrived) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    latencies = [
        (arrived[number] - moment) * 1000 for number, moment in responded.items() if number in arrived
    ]
    return latencies, len(responded) - len(latencies)


def first_arrivals(arrivals: list[tuple[float, str]]) -> dict[str, float]:
    first: dict[str, float] = {}
    for moment, subject in arrivals:
        if match := CASE_NUMBER.search(subject):
            first.setdefault(match.group(0), moment)
    return first


async def broker_round_trips(amqp_url: str, prefix: str, rate: float, count: int) -> list[float]:
    """A persistent message published with a confirm through a topic exchange to a quorum queue, received by a
    consumer on its own connection: the broker's part of every event, alone."""
    name = f"{prefix}bench.round-trip.{uuid.uuid4().hex[:6]}"
    publisher, consumer = await aio_pika.connect(amqp_url), await aio_pika.connect(amqp_url)
    received: list[float] = []
    try:
        channel = await publisher.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, auto_delete=True)
        queue = await (await consumer.channel()).declare_queue(
            name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind(name, routing_key="#")
        sent_at: dict[str | None, float] = {}

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            received.append((time.monotonic() - sent_at[message.message_id]) * 1000)
            await message.ack()

        await queue.consume(on_message)
        started = time.monotonic()
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            message_id = str(index)
            sent_at[message_id] = time.monotonic()
            await exchange.publish(
                aio_pika.Message(
                    b"{}", message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT
                ),
                "bench",
            )
        deadline = time.monotonic() + 10
        while len(received) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await queue.delete(if_unused=False, if_empty=False)
    finally:
        await publisher.close()
        await consumer.close()
    return received


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]
        if len(values) > 1
        else values[0]
    )


def percentiles(values: list[float]) -> list[str]:
    return [
        f"{quantile(values, 0.5):.1f}",
        f"{quantile(values, 0.99):.1f}",
        f"{max(values):.1f}" if values else "n/a",
    ]
