"""HTTP load with wrk (a C load generator: it leaves the two cores to the services under test)."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk_report.lua")


@dataclass(frozen=True)
class HttpFigures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    failed: int  # non-2xx answers and socket errors

    def row(self) -> list[str]:
        return [
            f"{self.requests_per_second:,.0f}",
            f"{self.p50_ms:.2f}",
            f"{self.p99_ms:.2f}",
            str(self.failed),
        ]


def wrk(
    url: str,
    *,
    token: str,
    connections: int,
    seconds: float,
    method: str = "GET",
    body: str = "",
    script_env: dict[str, str] | None = None,
) -> HttpFigures:
    """`script_env`: more settings of the load script (WRK_CASES and WRK_STATUSES: status changes)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make bench installs it)")
    env = {**os.environ, "WRK_METHOD": method, "WRK_BODY": body, **(script_env or {})}
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    run = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}: {run.stderr or run.stdout}")
    output = run.stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return HttpFigures(
        requests_per_second=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        failed=figures["non_2xx"] + figures["socket_errors"],
    )
