"""Scenario 7: the soak. A steady mixed load for a long while (30 minutes in `make bench`), at a modest rate: logins,
cases through their whole conversation, the customer's case list, customers' meter readings, the fleet's automatic
readings and its reports of devices offline, online and low on toner. Measured: each process's resident memory
after a warm-up, along the way and at the end; every HTTP answer's status (no 5xx); and the outbox lag (from an
event's row to its publication) of every event the services wrote during the soak."""

import asyncio
import contextlib
import math
import os
import statistics
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import ingestion
from bench.event_latency import AGENT, quantile
from bench.http_paths import CASES, CUSTOMER, incident_on_first_device
from bench.portal import resident_memory
from bench.report import Report
from deploy.demo.data import DEMO_PASSWORD
from shared.bus import Bus
from shared.events import VENDOR_EXCHANGE, CloudEvent, EventData, new_event
from shared.events.vendor import FleetDeviceOffline, FleetDeviceOnline, FleetTonerLow
from shared.events.vocabulary import CaseStatus
from shared.messaging_tables import messaging_tables
from tests.system import RunningSystem

CUSTOMER_ACCOUNT = "ES-100234"  # the customer's: as its administrator they read the meters of every device
FLEET_ACCOUNT = "BENCH-SOAK"
FLEET_DEVICES = 100
# Operations a second of each stream: about 6 in all, a working day's steady traffic rather than a peak.
CASE_STEPS_PER_SECOND = 3.0  # half a case a second through the six steps of its conversation
LOGINS, CASE_LISTS, CUSTOMER_READINGS = 0.2, 0.5, 0.2
AUTOMATIC_READINGS, FLEET_REPORTS = 2.0, 0.4
SAMPLES = 6  # memory samples after the one at the start
LAG_GOAL_SECONDS = 1.0
MEMORY_GROWTH_LIMIT = 0.10
OUTBOX = messaging_tables(MetaData()).outbox  # every service's, the same shape


@dataclass
class Answers:
    """Every operation's latencies and answers: HTTP status classes, or "none" when no answer came."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)  # the first few, for the log

    async def timed(self, name: str, operation: Callable[[], Awaitable[int]]) -> bool:
        """Run one operation (which returns its HTTP status, 200 for a confirmed publish); True when it
        succeeded."""
        started = time.monotonic()
        try:
            status = await operation()
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            self.outcomes.setdefault(name, Counter())["none"] += 1
            self.note(f"{name}: {exc!r}")
            return False
        self.latencies.setdefault(name, []).append((time.monotonic() - started) * 1000)
        self.outcomes.setdefault(name, Counter())[f"{status // 100}xx"] += 1
        if status >= 500:
            self.note(f"{name}: HTTP {status}")
        return status < 400

    def note(self, error: str) -> None:
        if len(self.server_errors) < 20:
            self.server_errors.append(error)
            print(f"soak: {error}", flush=True)

    def count(self, outcome: str) -> int:
        return sum(outcomes[outcome] for outcomes in self.outcomes.values())


class Load:
    """The soak's streams of operations, each at its own steady rate, on one event loop."""

    def __init__(
        self,
        system: RunningSystem,
        bus: Bus,
        customer_devices: Iterator[tuple[int, str]],
        fleet: ingestion.Fleet,
    ) -> None:
        self.system, self.bus, self.answers = system, bus, Answers()
        self.tokens = {CUSTOMER: system.login(CUSTOMER), AGENT: system.login(AGENT)}
        self.case_body = incident_on_first_device(system, self.tokens[CUSTOMER])
        self.customer_devices = customer_devices
        self.fleet, self.readings = fleet, iter(list[CloudEvent]())
        self.stages: list[deque[str]] = [deque() for _ in CASE_STEPS]
        self.turns = Counter[str]()
        self.logged_in = asyncio.Event()
        # Idle connections let go before the server's keep-alive of 5 s ends them (as the gateway's own pool
        # does): reusing one the server is closing would be "disconnected without a response", not the portal's.
        limits = httpx.Limits(keepalive_expiry=4.0)
        self.http = httpx.AsyncClient(base_url=system.config.url("gateway"), timeout=30, limits=limits)

    async def run(self, until: float) -> None:
        streams = [
            (CASE_STEPS_PER_SECOND, self.case_step),
            (LOGINS, self.login),
            (CASE_LISTS, self.case_list),
            (CUSTOMER_READINGS, self.customer_reading),
            (AUTOMATIC_READINGS, self.automatic_reading),
            (FLEET_REPORTS, self.fleet_report),
        ]
        await asyncio.gather(*(steadily(rate, action, until) for rate, action in streams))

    async def close(self) -> None:
        await self.http.aclose()

    async def memory_between_logins(self) -> dict[str, float]:
        """Each process's resident memory just after a login: checking a password takes argon2's 64 MiB, which
        come and go with each login, so a sample during one would swing the figure of `accounts` by half."""
        self.logged_in.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.logged_in.wait(), timeout=30)
        return resident_memory(self.system)

    async def call(self, name: str, user: str | None, method: str, path: str, **request) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        answer: httpx.Response | None = None

        async def send() -> int:
            nonlocal answer
            answer = await self.http.request(method, path, headers=headers, **request)
            return answer.status_code

        if not await self.answers.timed(name, send) and answer is not None and answer.status_code < 500:
            self.answers.note(f"{name}: HTTP {answer.status_code} {answer.text[:300]}")
        return answer if answer is not None else httpx.Response(599)

    # The streams --------------------------------------------------------------------------------------------

    async def case_step(self) -> None:
        """The next step of the cases' conversations in turn, each on the oldest case waiting for it."""
        stage = self.turns["case"] % len(CASE_STEPS)
        self.turns["case"] += 1
        if stage == 0:
            answer = await self.call("case: create", CUSTOMER, "POST", CASES, json=self.case_body)
            if answer.status_code == 201:
                self.stages[1].append(answer.json()["id"])
            return
        if not self.stages[stage]:
            return
        case_id = self.stages[stage].popleft()
        name, user, request = CASE_STEPS[stage]
        answer = await self.call(name, user, "POST", f"{CASES}/{case_id}/{request[0]}", **request[1])
        if answer.is_success and stage + 1 < len(CASE_STEPS):
            self.stages[stage + 1].append(case_id)

    async def login(self) -> None:
        user = (CUSTOMER, AGENT)[self.turns["login"] % 2]
        self.turns["login"] += 1
        answer = await self.call(
            "login",
            None,
            "POST",
            "/api/accounts/v1/auth/login",
            json={"email": user, "password": DEMO_PASSWORD},
        )
        if answer.is_success:
            self.tokens[user] = answer.json()["access_token"]
        self.logged_in.set()

    async def case_list(self) -> None:
        await self.call("case list", CUSTOMER, "GET", CASES)

    async def customer_reading(self) -> None:
        """A reading of a device of the customer's not read today (one reading per device and day)."""
        number, device_id = next(self.customer_devices)
        pages = 50_000 + number
        counters = {"black": pages} if number % 2 else {"black": pages, "colour": pages // 3}
        await self.call(
            "meter reading (customer)",
            CUSTOMER,
            "POST",
            f"/api/meters/v1/devices/{device_id}/readings",
            json={"counters": counters},
        )

    async def automatic_reading(self) -> None:
        event = next(self.readings, None)
        if event is None:  # the fleet's next day
            self.readings = iter(self.fleet.events(len(self.fleet.serials)))
            event = next(self.readings)
        await self.publish("automatic reading", event)

    async def fleet_report(self) -> None:
        """In turn for each device of the fleet: it goes offline, reports its toner low, comes back online."""
        turn = self.turns["fleet"]
        self.turns["fleet"] += 1
        serial, now = self.fleet.serials[turn // 3 % len(self.fleet.serials)], datetime.now(UTC)
        report: EventData = (
            FleetDeviceOffline(serial=serial, since=now),
            FleetTonerLow(serial=serial, colour="black", level_percent=8, at=now),
            FleetDeviceOnline(serial=serial, at=now),
        )[turn % 3]
        await self.publish(f"fleet: {report.event_type}", new_event(report, source="fleet"))

    async def publish(self, name: str, event: CloudEvent) -> None:
        async def confirmed() -> int:
            await self.bus.publish(event, VENDOR_EXCHANGE)
            return 200

        await self.answers.timed(name, confirmed)


def status(target: CaseStatus) -> tuple[str, dict]:
    return "status", {"json": {"status": target.value}}


def message(body: str) -> tuple[str, dict]:
    return "messages", {"json": {"body": body}}


# A case's conversation: the customer reports it, the agent takes it, asks and waits, the customer answers (which
# puts it back in progress) and the agent resolves it. Step 0, the report, is `Load.case_step`'s own.
CASE_STEPS: list[tuple[str, str, tuple[str, dict]]] = [
    ("case: create", CUSTOMER, ("", {})),
    ("case: agent starts", AGENT, status(CaseStatus.IN_PROGRESS)),
    ("case: agent waits", AGENT, status(CaseStatus.WAITING_FOR_CUSTOMER)),
    ("case: agent replies", AGENT, message("¿Qué bandeja usa? Pruebe con papel de 80 g.")),
    ("case: customer replies", CUSTOMER, message("La bandeja 2, con papel de 80 g.")),
    ("case: agent resolves", AGENT, status(CaseStatus.RESOLVED)),
]


async def steadily(per_second: float, action: Callable[[], Awaitable[None]], until: float) -> None:
    """`action` at `per_second` until the monotonic time `until`, one at a time: a slow answer delays the next
    ones, which then catch up, so the rate over the soak stays the one asked for."""
    started, done = time.monotonic(), 0
    while (moment := started + done / per_second) < until:
        await asyncio.sleep(max(0.0, moment - time.monotonic()))
        await action()
        done += 1


# The scenario ----------------------------------------------------------------------------------------------------


@dataclass
class Run:
    answers: Answers
    memory: list[tuple[float, dict[str, float]]]  # minutes since the warm-up ended, MiB of each process
    window: tuple[datetime, datetime]  # from the end of the warm-up to the end of the load
    load_average: tuple[tuple[float, ...], tuple[float, ...]]  # the machine's, at the start and at the end


def soak(system: RunningSystem, report: Report, *, minutes: float) -> None:
    seconds = minutes * 60
    warm_up = min(60.0, seconds / 5)
    load_seconds = warm_up + seconds
    serials = [f"SK{number:06d}" for number in range(math.ceil(load_seconds * CUSTOMER_READINGS) + 1)]
    ingestion.add_devices(system, CUSTOMER_ACCOUNT, serials)
    customer_devices = asyncio.run(device_ids(system, serials))
    days = math.ceil(load_seconds * AUTOMATIC_READINGS / FLEET_DEVICES) + 1
    fleet = ingestion.seed_fleet(system, FLEET_DEVICES, days, account=FLEET_ACCOUNT, prefix="BS")
    print(f"soak: {minutes:g} min after a warm-up of {warm_up:.0f} s", flush=True)
    run = asyncio.run(soak_run(system, customer_devices, fleet, warm_up, seconds))
    lags, unsent = asyncio.run(outbox_lags(system, *run.window))
    operations_table(report, run, minutes, warm_up)
    memory_table(report, run.memory)
    lag_table(report, lags, unsent)


async def device_ids(system: RunningSystem, serials: list[str]) -> list[tuple[int, str]]:
    """Each serial's number and its device's id, in the order of the serials."""
    engine = create_async_engine(system.config.database_urls["meters"])
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT serial, id FROM device WHERE serial = ANY(:serials)"), {"serials": serials}
            )
            ids: dict[str, str] = dict(rows.tuples().all())
    finally:
        await engine.dispose()
    return [(number, ids[serial]) for number, serial in enumerate(serials)]


async def soak_run(
    system: RunningSystem,
    customer_devices: list[tuple[int, str]],
    fleet: ingestion.Fleet,
    warm_up: float,
    seconds: float,
) -> Run:
    bus = Bus(amqp_url=system.config.amqp_url, service="bench-soak", prefix=system.config.bus_prefix)
    await bus.connect()
    load = Load(system, bus, iter(customer_devices), fleet)
    try:
        loading = asyncio.create_task(load.run(until=time.monotonic() + warm_up + seconds))
        await asyncio.sleep(warm_up)
        start, load_at_start, measuring = datetime.now(UTC), os.getloadavg(), time.monotonic()
        memory = [(0.0, await load.memory_between_logins())]
        for sample in range(1, SAMPLES):
            await asyncio.sleep(max(0.0, measuring + sample * seconds / SAMPLES - time.monotonic()))
            memory.append(((time.monotonic() - measuring) / 60, await load.memory_between_logins()))
            print(f"soak: {memory[-1][0]:.1f} min, {load.answers.count('5xx')} 5xx so far", flush=True)
        await loading
        memory.append(((time.monotonic() - measuring) / 60, resident_memory(system)))
        window = (start, datetime.now(UTC))
    finally:
        await load.close()
        await bus.close()
    return Run(load.answers, memory, window, (load_at_start, os.getloadavg()))


async def outbox_lags(
    system: RunningSystem, start: datetime, end: datetime, settle_seconds: float = 60
) -> tuple[dict[str, list[float]], int]:
    """Milliseconds from each outbox row's creation to its publication, of the rows created in the window, by
    service; and how many of them were still unsent `settle_seconds` after the load."""
    in_window = OUTBOX.c.created_at.between(start, end)
    unsent_rows = select(func.count()).select_from(OUTBOX).where(in_window, OUTBOX.c.sent_at.is_(None))
    lag = func.extract("epoch", OUTBOX.c.sent_at - OUTBOX.c.created_at) * 1000
    lags, unsent = {}, 0
    deadline = time.monotonic() + settle_seconds
    for service, url in system.config.database_urls.items():
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                while (left := (await connection.execute(unsent_rows)).scalar_one()) and (
                    time.monotonic() < deadline
                ):
                    await asyncio.sleep(1)
                rows = await connection.execute(select(lag).where(in_window, OUTBOX.c.sent_at.is_not(None)))
                lags[service], unsent = [float(value) for value in rows.scalars()], unsent + left
        finally:
            await engine.dispose()
    return lags, unsent


# The report ------------------------------------------------------------------------------------------------------


def operations_table(report: Report, run: Run, minutes: float, warm_up: float) -> None:
    answers, seconds = run.answers, minutes * 60 + warm_up
    rows = []
    for name, outcomes in answers.outcomes.items():
        latencies = answers.latencies.get(name, [])
        rows.append(
            [
                name,
                f"{outcomes.total():,}",
                f"{outcomes.total() / seconds:.2f}",
                f"{quantile(latencies, 0.5):.1f}",
                f"{quantile(latencies, 0.99):.1f}",
                *(str(outcomes[outcome]) for outcome in ("4xx", "5xx", "none")),
            ]
        )
    total = sum(outcomes.total() for outcomes in answers.outcomes.values())
    (start_1, start_5, _), (end_1, end_5, end_15) = run.load_average[0], run.load_average[1]
    report.table(
        f"7. Soak: {minutes:g} min of steady mixed load ({total / seconds:.1f} operations/s)",
        ["Operation", "Count", "Per second", "p50 ms", "p99 ms", "4xx", "5xx", "No answer"],
        rows,
        f"Counted from the start of a {warm_up:.0f} s warm-up at the same load. Each stream runs at its own "
        "steady rate, one operation at a time: cases through their conversation (reported by the customer, "
        "taken, waited on, a reply from each side, resolved), logins of the customer and the agent, the "
        "customer's case list, customers' readings of their devices through the gateway; automatic readings "
        f"of a fleet of {FLEET_DEVICES} devices and its reports (offline, toner low, online) on canon.sync, "
        "each publish confirmed by the broker. The machine's load average (1, 5 min) was "
        f"{start_1:.2f}, {start_5:.2f} after the warm-up and {end_1:.2f}, {end_5:.2f} (15 min: {end_15:.2f}) "
        "at the end; others use it as well.",
    )
    server_errors, unanswered = answers.count("5xx"), answers.count("none")
    report.target(
        "Soak: no 5xx",
        "0, and every request answered",
        f"{server_errors} of {total:,}; {unanswered} unanswered",
        server_errors == 0 and unanswered == 0,
    )


def memory_table(report: Report, samples: list[tuple[float, dict[str, float]]]) -> None:
    minutes = [moment for moment, _ in samples]
    rows, growths, slopes = [], {}, {}
    for name, start in samples[0][1].items():
        values = [mebibytes.get(name, 0.0) for _, mebibytes in samples]
        growths[name] = values[-1] / start - 1
        slopes[name] = statistics.linear_regression(minutes, values).slope * 60 if len(values) > 1 else 0.0
        rows.append(
            [name, *(f"{value:.0f}" for value in values), f"{growths[name]:+.1%}", f"{slopes[name]:+.1f}"]
        )
    report.table(
        "7. Soak: resident memory (MiB)",
        ["Process", *(f"{moment:.1f} min" for moment in minutes), "End against start", "Slope MiB/h"],
        rows,
        "From /proc (VmRSS) after the warm-up, along the soak and at its end; the slope is a least-squares "
        "line through the samples.",
    )
    worst = max(growths, key=lambda name: growths[name])
    steepest = max(slopes, key=lambda name: slopes[name])
    report.target(
        "Soak: memory flat",
        f"each process's end within +{MEMORY_GROWTH_LIMIT:.0%} of its start",
        f"largest {growths[worst]:+.1%} ({worst}); steepest {slopes[steepest]:+.1f} MiB/h ({steepest})",
        growths[worst] <= MEMORY_GROWTH_LIMIT,
    )


def lag_table(report: Report, lags: dict[str, list[float]], unsent: int) -> None:
    every = [lag for service_lags in lags.values() for lag in service_lags]
    rows = [
        [service, f"{len(values):,}", *lag_figures(values)]
        for service, values in [*lags.items(), ("all", every)]
    ]
    report.table(
        "7. Soak: outbox lag (ms)",
        ["Service", "Events", "p50", "p99", "max"],
        rows,
        "From an outbox row's `created_at` (written in the business transaction) to its `sent_at` (set by the "
        "relay pass that published it), of every row created between the end of the warm-up and the end of "
        f"the soak; {unsent} of them were still unsent a minute after it.",
    )
    p99 = quantile(every, 0.99)
    report.target(
        f"Soak: outbox lag p99 < {LAG_GOAL_SECONDS:g} s",
        f"< {LAG_GOAL_SECONDS * 1000:.0f} ms, none left unsent",
        f"{p99:.0f} ms ({len(every):,} events, {unsent} unsent)",
        p99 < LAG_GOAL_SECONDS * 1000 and unsent == 0 and bool(every),
    )


def lag_figures(values: list[float]) -> list[str]:
    if not values:
        return ["n/a"] * 3
    return [f"{quantile(values, 0.5):.0f}", f"{quantile(values, 0.99):.0f}", f"{max(values):.0f}"]
