"""Scenarios 1 and 2: a customer's case list and new cases, through the gateway and directly on `cases`,
beside a bare ASGI app on the same server settings (the ceiling of the HTTP stack)."""

import json
import subprocess
import sys
import time

import httpx

from bench.http_load import HttpFigures, wrk
from bench.report import Report, ratio
from deploy.system import REPO_ROOT
from tests.system import RunningSystem, free_port

CUSTOMER = "admin@iberica.example"
CASES = "/api/cases/v1/cases"
ROUNDS = 3  # one-connection runs per path
HEADERS = ["Path", "Requests/s", "p50 ms", "p99 ms", "Failed", "Ratio to direct"]


def write_path(system: RunningSystem, report: Report, *, connections: int, seconds: float) -> None:
    token = system.login(CUSTOMER)
    body = json.dumps(incident_on_first_device(system, token))
    results = {}
    for name, base in (
        ("gateway", system.config.url("gateway")),
        ("cases, direct", system.config.url("cases")),
    ):
        wrk(
            base + CASES, token=token, connections=connections, seconds=1, method="POST", body=body
        )  # warm-up
        results[name] = wrk(
            base + CASES, token=token, connections=connections, seconds=seconds, method="POST", body=body
        )
    direct = results["cases, direct"]
    report.table(
        f"2. Write path: POST {CASES} ({connections} connections, {seconds:.0f} s)",
        HEADERS,
        [
            [name, *figures.row(), ratio(figures.requests_per_second, direct.requests_per_second)]
            for name, figures in results.items()
        ],
        "Each request stores the case, its follower and audit rows and its outbox event in one transaction; "
        "the notifications service emails every case in the background.",
    )


def read_path(system: RunningSystem, report: Report, *, connections: int, seconds: float) -> None:
    token = system.login(CUSTOMER)
    with hello_world() as hello_url:
        paths = {
            "gateway": system.config.url("gateway") + CASES,
            "cases, direct": system.config.url("cases") + CASES,
            "bare ASGI hello-world": hello_url,
        }
        results: dict[str, HttpFigures] = {}
        for name, url in paths.items():
            wrk(url, token=token, connections=connections, seconds=1)  # warm-up
            results[name] = wrk(url, token=token, connections=connections, seconds=seconds)
        single = one_connection(dict(list(paths.items())[:2]), token, seconds=seconds / 3)
    direct = results["cases, direct"]
    rows = [
        [name, *figures.row(), ratio(figures.requests_per_second, direct.requests_per_second)]
        for name, figures in results.items()
    ]
    rows += [
        [
            f"{name}, one connection",
            *figures.row(),
            ratio(figures.requests_per_second, single["cases, direct"].requests_per_second),
        ]
        for name, figures in single.items()
    ]
    report.table(
        f"1. Read path: GET {CASES} ({connections} connections, {seconds:.0f} s)",
        HEADERS,
        rows,
        "The customer's first page of cases (20 of them, with their device and status). The bare ASGI app "
        "answers a fixed body: the most this server, on these settings, can do. One connection: the run "
        f"with the median p50 of {ROUNDS} taken in turns with the other path, so that a burst of background "
        "work (a scheduled job, a collection of the heap) weighs on both alike.",
    )
    gateway = results["gateway"]
    report.target(
        "Gateway throughput",
        ">= 0.8 of direct",
        ratio(gateway.requests_per_second, direct.requests_per_second),
        gateway.requests_per_second >= 0.8 * direct.requests_per_second,
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


class hello_world:
    """The bare ASGI app in its own process, as a context manager giving its URL."""

    def __enter__(self) -> str:
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.hello", str(port)],
            cwd=REPO_ROOT,
        )
        url = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                httpx.get(url, timeout=1)
                return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError("the hello-world app did not start")

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
