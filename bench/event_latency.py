"""Scenario 3: from an agent's status change (its HTTP response) to the customer's email at the SMTP server,
at steady rates; the CPU each change and its emails cost the processes that do the work (from /proc); beside it
the round trip of one aio-pika publish to a consumer on the same broker."""

import asyncio
import re
import statistics
import time
import uuid
from collections.abc import Callable

import aio_pika
import httpx

from bench.http_paths import AGENT, CUSTOMER, incident_on_first_device
from bench.portal import TimedInbox, cpu_seconds, timed_inbox
from bench.report import Report
from tests.system import RunningSystem

CASE_NUMBER = re.compile(r"CS-[\w-]+")
P99_GOALS_MS = {50: 100, 100: 200}  # rate per second -> the p99 it must keep
# A machine slower than this at the bare ASGI app is too busy for latency figures to judge the portal by.
QUIET_HELLO_WORLD = 20_000
# Where a status change and its emails cost CPU: `cases` (the change and its outbox relay, in the same process),
# `notifications` (the email); the gateway passes the agent's request on.
CPU_PROCESSES = ("cases", "notifications", "gateway")
CPU_COUNTED = ("cases", "notifications")
# A third of the baseline: cases about 8.5 ms and notifications about 5.5 ms per change.
CPU_GOAL_MS = 14 / 3


def event_latency(
    system: RunningSystem, report: Report, *, rates: list[float], seconds: float, hello_world: float
) -> None:
    cpu = {
        rate: latency_at(system, report, rate=rate, seconds=seconds, hello_world=hello_world)
        for rate in rates
    }
    report.table(
        "3b. CPU per status change and its emails (ms, from /proc)",
        ["Rate", *CPU_PROCESSES, " + ".join(CPU_COUNTED)],
        [
            [f"{rate:.0f}/s", *(f"{ms[name]:.2f}" for name in CPU_PROCESSES), f"{cpu_per_change(ms):.2f}"]
            for rate, ms in cpu.items()
        ],
        "User and system time of each process from before the first change until every email has arrived, "
        "divided by the number of changes. The outbox relay runs inside `cases`.",
    )
    cpu_target(report, min(rates), cpu[min(rates)])


def cpu_per_change(cpu: dict[str, float]) -> float:
    return sum(cpu[name] for name in CPU_COUNTED)


def latency_at(
    system: RunningSystem, report: Report, *, rate: float, seconds: float, hello_world: float
) -> dict[str, float]:
    """One steady run: its table and targets; the CPU milliseconds per change of each process."""
    inbox = timed_inbox(system)
    count = int(rate * seconds)
    customer, token = system.login(CUSTOMER), system.login(AGENT)
    device = incident_on_first_device(system, customer)["device_id"]
    cases = asyncio.run(new_cases(system.config.url("gateway"), customer, device, count))
    inbox.wait_until_quiet()

    def used() -> dict[str, float]:
        return {name: cpu_seconds(system, name) for name in CPU_PROCESSES}

    before = after = used()

    def arriving() -> None:
        nonlocal after
        after = used()  # the window ends with the last email, not with the wait for any lost ones

    latencies, lost = asyncio.run(
        status_changes(system.config.url("gateway"), token, cases, rate, inbox, arriving)
    )
    cpu = {name: (after[name] - before[name]) * 1000 / count for name in CPU_PROCESSES}
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
        "notifications renders the customer's email in their language and sends it over SMTP. Lost: changes "
        "refused or timed out, and emails that never came.",
    )
    latency_targets(report, rate, quantile(latencies, 0.99), lost, hello_world)
    return cpu


def latency_targets(report: Report, rate: float, p99: float, lost: int, hello_world: float) -> None:
    if (goal := P99_GOALS_MS.get(round(rate))) is None:
        return
    report.target(
        f"Status change → email p99 at {rate:.0f}/s",
        f"<= {goal} ms (counted when hello-world >= {QUIET_HELLO_WORLD:,}/s)",
        f"{p99:.1f} ms (hello-world {hello_world:,.0f}/s)",
        p99 <= goal and not lost,
        counted=hello_world >= QUIET_HELLO_WORLD,
    )


def cpu_target(report: Report, rate: float, cpu: dict[str, float]) -> None:
    report.target(
        f"CPU per status change + email ({' + '.join(CPU_COUNTED)}, relay in cases, at {rate:.0f}/s)",
        f"<= {CPU_GOAL_MS:.1f} ms (a third of 14 ms)",
        f"{cpu_per_change(cpu):.2f} ms",
        cpu_per_change(cpu) <= CPU_GOAL_MS,
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
    gateway: str,
    agent_token: str,
    cases: list[dict],
    rate: float,
    inbox: TimedInbox,
    arriving: Callable[[], object] = lambda: None,
) -> tuple[list[float], int]:
    """Milliseconds from each response to its email; and how many changes or emails were lost. `arriving` is
    called whenever more emails are seen to have arrived (the last call: soon after the last email)."""
    responded: dict[str, float] = {}
    started = time.monotonic()
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(
        base_url=gateway, headers={"Authorization": f"Bearer {agent_token}"}, timeout=30, limits=limits
    ) as client:

        async def change(case: dict) -> None:
            try:
                answer = await client.post(
                    f"/api/cases/v1/cases/{case['id']}/status", json={"status": "in_progress"}
                )
            except httpx.HTTPError:
                return  # a change refused or timed out counts as lost
            if answer.is_success:
                responded[case["number"]] = time.monotonic()

        tasks = []
        for index, case in enumerate(cases):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(change(case)))
        await asyncio.gather(*tasks)
    deadline, seen = time.monotonic() + 60, -1
    while True:
        arrived = first_arrivals(inbox.since(started))
        if len(arrived) != seen:
            seen = len(arrived)
            arriving()
        if set(responded) <= set(arrived) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    latencies = [
        (arrived[number] - moment) * 1000 for number, moment in responded.items() if number in arrived
    ]
    return latencies, len(cases) - len(latencies)


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
