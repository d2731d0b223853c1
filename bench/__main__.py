"""`make bench`: start the portal (five services on PostgreSQL and RabbitMQ), run every scenario beside its anchor,
print the tables and write bench/RESULTS.md. The last scenario is a soak of 30 minutes at a steady mixed load
(`--soak-minutes`); `--only` runs some scenarios, e.g. all but the soak with `--only write read latency ingestion
memory`, and then updates their sections of RESULTS.md, keeping the others."""

import argparse
import asyncio
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import aio_pika
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import ingestion
from bench.event_latency import event_latency
from bench.http_paths import hello_world_figure, read_path, write_path
from bench.portal import pid_of, portal, resident_memory, timed_inbox
from bench.report import Report, describe_machine, ratio
from bench.soak import soak
from tests.system import RunningSystem

BENCH_DIR = Path(__file__).resolve().parent
SCENARIOS = ("write", "read", "latency", "ingestion", "memory", "soak")


def main() -> None:
    options = arguments()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        started = time.monotonic()
        running = portal(Path(tmp))
        system: RunningSystem = next(running)
        try:
            print(f"portal up in {time.monotonic() - started:.0f} s", flush=True)
            report.machine = describe_machine(*versions(system))
            hello = hello_world_figure(options.connections, seconds=5)
            report.machine["Hello-world"] = (
                f"{hello.requests_per_second:,.0f} requests/s (bare ASGI, {options.connections} connections, "
                "at the start: how busy the machine was)"
            )
            print(f"hello-world: {report.machine['Hello-world']}", flush=True)
            idle = resident_memory(system)
            if "write" in options.only:
                write_path(system, report, connections=options.connections, seconds=options.http_seconds)
                timed_inbox(system).wait_until_quiet()
            if "read" in options.only:
                read_path(system, report, connections=options.connections, seconds=options.http_seconds)
            if "latency" in options.only:
                event_latency(
                    system,
                    report,
                    rates=options.rate,
                    seconds=options.latency_seconds,
                    hello_world=hello.requests_per_second,
                )
            if "ingestion" in options.only:
                bulk_ingestion(system, report, options)
            if "memory" in options.only:
                memory(report, idle, resident_memory(system))
            if "soak" in options.only:
                soak(system, report, minutes=options.soak_minutes)
        finally:
            running.close()
    report.machine["Duration"] = f"{(time.monotonic() - started) / 60:.1f} min"
    print("\n" + report.targets_table().markdown(), flush=True)
    if options.write:
        write_results(report, options.only)


def write_results(report: Report, scenarios: list[str]) -> None:
    """RESULTS.md anew after a run of every scenario; after a run of some, their sections and targets in it."""
    results = BENCH_DIR / "RESULTS.md"
    if set(scenarios) == set(SCENARIOS) or not results.exists():
        results.write_text(report.markdown())
    else:
        results.write_text(report.update(results.read_text(), f"Run of {', '.join(scenarios)}"))
    print(f"\nwritten to {results}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--connections", type=int, default=16, help="HTTP concurrency (default 16)")
    parser.add_argument("--http-seconds", type=float, default=10)
    parser.add_argument(
        "--rate", type=float, nargs="+", default=[50, 100], help="status changes per second (default 50 100)"
    )
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--readings", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--devices", type=int, default=2_000)
    parser.add_argument("--soak-minutes", type=float, default=30, help="the soak's length (default 30)")
    parser.add_argument("--profile", action="store_true", help="py-spy the meters process during ingestion")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print only, keep RESULTS.md")
    return parser.parse_args()


def bulk_ingestion(system: RunningSystem, report: Report, options: argparse.Namespace) -> None:
    sizes = options.readings
    days = sum(-(-n // options.devices) for n in sizes) + -(-max(sizes) // options.devices)
    fleet = ingestion.seed_fleet(system, options.devices, days)
    rows, rates, consume_rates = [], {}, {}
    for count in sizes:
        bodies = fleet.readings(count)
        with profiled(system, "meters", f"ingestion-{count}", options.profile):
            portal_seconds = ingestion.ingest(system, bodies)
        consume_seconds = ingestion.raw_consume_and_ack(
            system.config.amqp_url, system.config.bus_prefix, bodies, prefetch=32
        )
        insert_seconds = ingestion.raw_insert(system.config.database_urls["meters"], count)
        rates[count], consume_rates[count] = count / portal_seconds, count / consume_seconds
        rows.append(
            [
                f"{count:,}",
                "1",
                f"{portal_seconds:.1f}",
                f"{rates[count]:,.0f}",
                f"{consume_rates[count]:,.0f}",
                f"{count / insert_seconds:,.0f}",
                ratio(rates[count], consume_rates[count]),
            ]
        )
    largest = max(sizes)
    system.start_replica("meters", "meters-2")
    bodies = fleet.readings(largest)
    two_seconds = ingestion.ingest(system, bodies)
    consume_seconds = ingestion.raw_consume_and_ack(
        system.config.amqp_url, system.config.bus_prefix, bodies, 32
    )
    rows.append(
        [
            f"{largest:,}",
            "2",
            f"{two_seconds:.1f}",
            f"{largest / two_seconds:,.0f}",
            f"{largest / consume_seconds:,.0f}",
            "",
            ratio(largest / two_seconds, largest / consume_seconds),
        ]
    )
    two_meters(report, largest, one_rate=rates[largest], two_rate=largest / two_seconds)
    report.table(
        f"4–5. Bulk ingestion of automatic readings ({options.devices:,} devices, a day of the fleet at a "
        "time)",
        [
            "Readings",
            "meters processes",
            "Seconds",
            "Portal readings/s",
            "Raw consume-and-ack msg/s",
            "Raw insert rows/s",
            "Ratio to raw consume",
        ],
        rows,
        "Portal: from the first publish on canon.sync until every reading is stored (rules checked, audit "
        "and outbox rows written) and every meters.reading.accepted is confirmed by the broker. Raw "
        "consume-and-ack: the same messages through a quorum queue to a bare aio-pika consumer process "
        "(prefetch 32, one ack each). Raw insert: rows shaped like readings, 1,000 per transaction.",
    )
    small, big = min(sizes), largest
    consume_rate = consume_rates[big]
    report.target("Ingestion rate", ">= 2,000 readings/s", f"{rates[big]:,.0f}/s", rates[big] >= 2000)
    report.target(
        "Ingestion against raw consume-and-ack",
        ">= 0.5",
        ratio(rates[big], consume_rate),
        rates[big] >= 0.5 * consume_rate,
    )
    if small != big:
        growth = (big / rates[big]) / (small / rates[small]) / (big / small)
        report.target(
            f"Ingestion cost linear in N ({small:,} → {big:,})",
            "cost per reading within ±25%",
            f"× {growth:.2f} per reading",
            0.75 <= growth <= 1.25,
        )


def two_meters(report: Report, readings: int, *, one_rate: float, two_rate: float) -> None:
    report.target(
        f"Two meters processes against one ({readings:,} readings)",
        "not slower",
        f"× {two_rate / one_rate:.2f} ({two_rate:,.0f}/s against {one_rate:,.0f}/s)",
        two_rate >= one_rate,
    )


def memory(report: Report, idle: dict[str, float], after: dict[str, float]) -> None:
    report.table(
        "6. Resident memory (MiB)",
        ["Process", "Idle", "After the scenarios"],
        [[name, f"{idle.get(name, 0):.0f}", f"{after[name]:.0f}"] for name in after],
    )
    worst = max(idle.values())
    report.target("Each service idle", "< 150 MiB resident", f"largest {worst:.0f} MiB", worst < 150)


@contextmanager
def profiled(system: RunningSystem, service: str, name: str, enabled: bool):
    """A py-spy flame graph of one service while the block runs (bench/profiles/<name>-<service>.svg)."""
    if not enabled:
        yield
        return
    output = BENCH_DIR / "profiles" / f"{name}-{service}.svg"
    output.parent.mkdir(exist_ok=True)
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid_of(system, service)),
            "--rate",
            "200",
            "--output",
            str(output),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(2)
        spy.wait(timeout=60)


def versions(system: RunningSystem) -> tuple[str, str]:
    async def read() -> tuple[str, str]:
        engine = create_async_engine(system.config.database_urls["meters"])
        async with engine.connect() as connection:
            postgres = (await connection.execute(text("SHOW server_version"))).scalar_one().split()[0]
        await engine.dispose()
        broker = await aio_pika.connect(system.config.amqp_url)
        assert broker.transport is not None  # connected
        rabbitmq = broker.transport.connection.server_properties.get("version", b"?")
        await broker.close()
        return postgres, rabbitmq.decode() if isinstance(rabbitmq, bytes) else str(rabbitmq)

    return asyncio.run(read())


if __name__ == "__main__":
    main()
