"""Scenarios 1 and 2: a customer's case list, new cases and an agent's status changes, through the gateway and
directly on `cases`, beside the bare-stack anchor (bench/anchor.py: the same work on FastAPI and asyncpg alone, on
the same database) and a bare ASGI app on the same server settings (the ceiling of the HTTP stack)."""

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import httpx
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bench.http_load import HttpFigures, wrk
from bench.portal import timed_inbox
from bench.report import Report, ratio
from deploy.system import REPO_ROOT
from shared.config import ServiceSettings
from tests.system import RunningSystem, free_port

CUSTOMER = "admin@iberica.example"
AGENT = "agent@canon.example"
CASES = "/api/cases/v1/cases"
ANCHOR = "bare-stack anchor"
ROUNDS = 3  # one-connection runs per path
STATUS_CASES = 64  # the cases the status-change runs move back and forth (more than the connections)
# The one move an agent can repeat: to waiting for the customer and back (the waiting time moves the due time).
STATUS_CYCLE = ("waiting_for_customer", "in_progress")
HEADERS = ["Path", "Requests/s", "p50 ms", "p99 ms", "Failed", "Ratio to direct", "Ratio to anchor"]


def write_path(system: RunningSystem, report: Report, *, connections: int, seconds: float) -> None:
    analyze_cases_database(system)
    with bare_anchor(system) as anchor:
        creation(system, report, anchor, connections=connections, seconds=seconds)
        status_changes(system, report, anchor, connections=connections, seconds=seconds)


def creation(system: RunningSystem, report: Report, anchor: str, *, connections: int, seconds: float) -> None:
    token = system.login(CUSTOMER)
    body = json.dumps(incident_on_first_device(system, token))
    results = {}
    for name, base in portal_and_anchor(system, anchor).items():
        since = on_cases_database(system, "SELECT now()")
        for run_seconds in (1, seconds):  # a warm-up, then the run
            timed_inbox(system).wait_until_quiet()  # no email of the run before competes for the cores
            results[name] = wrk(
                base + CASES,
                token=token,
                connections=connections,
                seconds=run_seconds,
                method="POST",
                body=body,
            )
        if name == ANCHOR:
            # The later scenarios read the cases the portal made, as in the runs before the anchor existed.
            on_cases_database(system, FORGET_CASES_SINCE, since=since)
    report.table(
        f"2. Write path: POST {CASES} ({connections} connections, {seconds:.0f} s)",
        HEADERS,
        rows_of(results),
        "Each request stores the case, its follower and audit rows and its outbox event in one transaction; "
        "the notifications service emails every case in the background. The anchor writes the same rows "
        "(its outbox rows as already sent: nobody is emailed about them). Each run starts once the emails of "
        "the run before have been sent.",
    )
    gateway, bare = results["gateway"], results[ANCHOR]
    report.target(
        f"Case creation, gateway / bare-stack anchor ({connections} conn)",
        ">= 0.4",
        ratio(gateway.requests_per_second, bare.requests_per_second),
        gateway.requests_per_second >= 0.4 * bare.requests_per_second,
    )


def status_changes(
    system: RunningSystem, report: Report, anchor: str, *, connections: int, seconds: float
) -> None:
    token, paths = system.login(AGENT), portal_and_anchor(system, anchor)
    # Cases of each path's own: the portal answers with the case's timeline, which another path's changes
    # would have made longer.
    cases = {name: cases_in_progress(system, STATUS_CASES) for name in paths}
    results = {}
    for name, base in paths.items():
        script_env = {"WRK_CASES": ",".join(cases[name]), "WRK_STATUSES": ",".join(STATUS_CYCLE)}
        for run_seconds in (1, seconds):
            back_in_progress(system, cases[name])  # whatever the warm-up left, every case starts in progress
            timed_inbox(system).wait_until_quiet()
            results[name] = wrk(
                f"{base}{CASES}/",
                token=token,
                connections=connections,
                seconds=run_seconds,
                script_env=script_env,
            )
    report.table(
        f"2b. Status change: POST {CASES}/{{id}}/status by an agent ({connections} connections, "
        f"{seconds:.0f} s)",
        HEADERS,
        rows_of(results),
        f"{STATUS_CASES} cases in progress for each path, each moved to waiting for the customer and back in "
        "turn. Each request locks the case, updates it and writes its history, audit and outbox rows in one "
        "transaction; the portal then publishes the event and emails the followers in the background, and "
        "answers with the case as changed; the anchor answers its new status.",
    )
    gateway, bare = results["gateway"], results[ANCHOR]
    report.target(
        f"Status change, gateway / bare-stack anchor ({connections} conn)",
        ">= 0.5",
        ratio(gateway.requests_per_second, bare.requests_per_second),
        gateway.requests_per_second >= 0.5 * bare.requests_per_second,
    )


def read_path(system: RunningSystem, report: Report, *, connections: int, seconds: float) -> None:
    token = system.login(CUSTOMER)
    timed_inbox(
        system
    ).wait_until_quiet()  # the emails of the write path's runs compete for the cores no more
    analyze_cases_database(system)  # the write path's thousands of new cases
    with bare_anchor(system) as anchor, hello_world() as hello_url:
        paths = {name: base + CASES for name, base in portal_and_anchor(system, anchor).items()}
        paths["bare ASGI hello-world"] = hello_url
        same = same_page(paths["cases, direct"], paths[ANCHOR], token)
        results: dict[str, HttpFigures] = {}
        for name, url in paths.items():
            wrk(url, token=token, connections=connections, seconds=1)  # warm-up
            results[name] = wrk(url, token=token, connections=connections, seconds=seconds)
        single = one_connection(dict(list(paths.items())[:3]), token, seconds=seconds / 3)
    rows = rows_of(results) + rows_of(single, ", one connection")
    report.table(
        f"1. Read path: GET {CASES} ({connections} connections, {seconds:.0f} s)",
        HEADERS,
        rows,
        "The customer's first page of cases (20 of them, with their device and status). The anchor reads the "
        "same page with the same visibility rule and the total (the same cases and total as the portal's before "
        f"the runs: {'yes' if same else '**no**'}); the portal also judges each case's service level. The bare ASGI app answers a fixed body: the most this server, on these settings, can do. One "
        f"connection: the run with the median p50 of {ROUNDS} taken in turns with the other paths, so that a "
        "burst of background work (a scheduled job, a collection of the heap) weighs on all alike.",
    )
    read_targets(report, results, single, connections)


def read_targets(
    report: Report, results: dict[str, HttpFigures], single: dict[str, HttpFigures], connections: int
) -> None:
    gateway, direct, bare = results["gateway"], results["cases, direct"], results[ANCHOR]
    report.target(
        "Gateway throughput",
        ">= 0.8 of direct",
        ratio(gateway.requests_per_second, direct.requests_per_second),
        gateway.requests_per_second >= 0.8 * direct.requests_per_second,
    )
    report.target(
        f"Customer case list, gateway / bare-stack anchor ({connections} conn)",
        ">= 0.5",
        ratio(gateway.requests_per_second, bare.requests_per_second),
        gateway.requests_per_second >= 0.5 * bare.requests_per_second,
    )
    added = single["gateway"].p50_ms - single["cases, direct"].p50_ms
    report.target("Gateway's added p50 (one connection)", "<= 2 ms", f"{added:.2f} ms", added <= 2.0)
    added_loaded = gateway.p50_ms - direct.p50_ms
    report.target(
        f"Gateway's added p50 ({connections} connections)",
        "<= 2 ms",
        f"{added_loaded:.2f} ms",
        added_loaded <= 2.0,
    )


def same_page(portal: str, anchor: str, token: str) -> bool:
    """Whether the anchor answers the same cases, in the same order, and the same total as the portal."""

    def page(url: str) -> tuple[list[str], int]:
        found = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        return [item["id"] for item in found["items"]], found["total"]

    return page(portal) == page(anchor)


def portal_and_anchor(system: RunningSystem, anchor: str) -> dict[str, str]:
    """Base URLs, the anchor first: it runs before the portal has anything queued in the background."""
    return {
        ANCHOR: anchor,
        "gateway": system.config.url("gateway"),
        "cases, direct": system.config.url("cases"),
    }


def rows_of(results: dict[str, HttpFigures], suffix: str = "") -> list[list[str]]:
    """One row per path, its requests a second beside direct `cases` and the anchor's, the anchor last."""
    direct, bare = results["cases, direct"], results[ANCHOR]
    return [
        [
            name + suffix,
            *figures.row(),
            ratio(figures.requests_per_second, direct.requests_per_second),
            ratio(figures.requests_per_second, bare.requests_per_second),
        ]
        for name, figures in sorted(results.items(), key=lambda item: item[0] == ANCHOR)
    ]


def one_connection(paths: dict[str, str], token: str, *, seconds: float) -> dict[str, HttpFigures]:
    """Each path's run with the median p50 out of ROUNDS, the paths measured in turns."""
    rounds: dict[str, list[HttpFigures]] = {name: [] for name in paths}
    for _ in range(ROUNDS):
        for name, url in paths.items():
            rounds[name].append(wrk(url, token=token, connections=1, seconds=seconds))
    return {
        name: sorted(runs, key=lambda figures: figures.p50_ms)[ROUNDS // 2] for name, runs in rounds.items()
    }


def incident_on_first_device(system: RunningSystem, token: str) -> dict:
    with system.client(token) as client:
        device = client.get("/api/accounts/v1/devices").json()["items"][0]
    return {
        "device_id": device["id"],
        "type": "incident",
        "category": "paper_jam",
        "subject": "Atasco en la bandeja 2",
        "description": "El papel se atasca en cada impresión.",
    }


def cases_in_progress(system: RunningSystem, count: int) -> list[str]:
    """Ids of `count` new cases of the customer's, which an agent has taken in progress (through the gateway)."""
    customer, agent = system.login(CUSTOMER), system.login(AGENT)
    body = incident_on_first_device(system, customer)
    ids = []
    with system.client(customer) as reporter, system.client(agent) as worker:
        for _ in range(count):
            case = reporter.post(CASES, json=body).raise_for_status().json()
            worker.post(f"{CASES}/{case['id']}/status", json={"status": "in_progress"}).raise_for_status()
            ids.append(case["id"])
    return ids


def back_in_progress(system: RunningSystem, ids: list[str]) -> None:
    """Puts the cases back in progress, not waiting (straight in the database: a reset, not a change), once the
    changes wrk left in flight have been made: one made after the reset would leave its case a step ahead."""
    changes, seen = "SELECT count(*) FROM case_status_change WHERE case_id IN :ids", -1
    while (count := on_cases_database(system, changes, ids=ids)) != seen:
        seen = count
        time.sleep(1)
    reset = "UPDATE support_case SET status = :status, paused_since = NULL WHERE id IN :ids"
    on_cases_database(system, reset, status=STATUS_CYCLE[1], ids=ids)


FORGET_CASES_SINCE = """
WITH gone AS (DELETE FROM support_case WHERE created_at >= :since RETURNING id)
DELETE FROM audit_entry WHERE case_id IN (SELECT id FROM gone)"""


def analyze_cases_database(system: RunningSystem) -> None:
    """The planner's statistics brought up to date, as autovacuum keeps them on a production server. This
    machine's PostgreSQL runs without autovacuum: tables filled by the runs before kept the statistics of their
    empty start, and both the portal and the anchor read a page of a few thousand cases by sorting them all
    (1-3 ms of the server's per request) instead of walking the index for 20."""
    on_cases_database(system, "ANALYZE")


def on_cases_database(system: RunningSystem, sql: str, **params: Any) -> Any:
    """One statement on the database of the portal's `cases`, by the harness itself: the first column of its
    first row, if it returns rows. A list parameter named `ids` is expanded (`id IN :ids`). Tried again for up
    to half a minute while the server refuses connections (a shared server's are all taken at times): every
    statement the harness runs has the same effect twice as once."""
    for _ in range(30):
        try:
            return statement_on_cases_database(system, sql, params)
        except DBAPIError as error:
            if "too many clients" not in str(error):
                raise
            time.sleep(1)
    return statement_on_cases_database(system, sql, params)


def statement_on_cases_database(system: RunningSystem, sql: str, params: dict[str, Any]) -> Any:
    """One try of `on_cases_database`, on a connection of its own."""

    async def run() -> Any:
        engine = create_async_engine(system.config.database_urls["cases"])
        statement = text(sql)
        if "ids" in params:
            statement = statement.bindparams(bindparam("ids", expanding=True))
        try:
            async with engine.begin() as connection:
                result = await connection.execute(statement, params)
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()

    return asyncio.run(run())


class served:
    """An app of bench/ in its own process (`python -m <module> PORT *args`), as a context manager giving its
    base URL once `ready_path` answers."""

    def __init__(self, module: str, *args: str, ready_path: str = "/") -> None:
        self.command, self.ready_path = [sys.executable, "-m", module], ready_path
        self.args = list(args)

    def __enter__(self) -> str:
        port = free_port()
        self.process = subprocess.Popen([*self.command, str(port), *self.args], cwd=REPO_ROOT)
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(url + self.ready_path, timeout=1)
                return url
            except httpx.HTTPError:
                time.sleep(0.1)
        self.__exit__()
        raise TimeoutError(f"{self.command[-1]} did not start")

    def __exit__(self, *_exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class hello_world(served):
    """The bare ASGI app; its URL."""

    def __init__(self) -> None:
        super().__init__("bench.hello")

    def __enter__(self) -> str:
        return super().__enter__() + "/"


def bare_anchor(system: RunningSystem) -> served:
    """The bare-stack anchor on the database of the portal's `cases`, trusting the portal's access tokens."""
    defaults = ServiceSettings.model_fields
    return served(
        "bench.anchor",
        system.config.database_urls["cases"],
        str(system.config.keys_dir / "jwt-public.pem"),
        str(defaults["jwt_issuer"].default),
        str(defaults["jwt_audience"].default),
        ready_path="/health",
    )


def hello_world_figure(connections: int, seconds: float) -> HttpFigures:
    """The bare ASGI app under wrk: how fast this machine is at the moment (printed at the top of the report)."""
    with hello_world() as url:
        wrk(url, token="", connections=connections, seconds=1)  # warm-up
        return wrk(url, token="", connections=connections, seconds=seconds)
