"""The results: one table per scenario, the targets met or missed, and the machine they were measured on."""

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""

    def markdown(self) -> str:
        lines = [
            f"### {self.title}",
            "",
            "| " + " | ".join(self.headers) + " |",
            "|" + "|".join("---" for _ in self.headers) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines + ([f"\n{self.note}"] if self.note else []))


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    met: bool


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)

    def table(self, title: str, headers: list[str], rows: list[list[str]], note: str = "") -> None:
        self.tables.append(table := Table(title, headers, rows, note))
        print("\n" + table.markdown(), flush=True)

    def target(self, name: str, goal: str, measured: str, met: bool) -> None:
        self.targets.append(Target(name, goal, measured, met))

    def markdown(self) -> str:
        intro = (
            "Written by `make bench` (bench/__main__.py); each figure stands beside the limit of the stack it "
            "runs on, measured in the same run."
        )
        header = ["# Benchmark results", "", intro, ""]
        header += [f"- {key}: {value}" for key, value in self.machine.items()]
        targets = Table(
            "Targets",
            ["Target", "Goal", "Measured", "Met"],
            [[t.name, t.goal, t.measured, "yes" if t.met else "**no**"] for t in self.targets],
        )
        return "\n".join(header) + "\n\n" + "\n\n".join(t.markdown() for t in [targets, *self.tables]) + "\n"


def describe_machine(postgres_version: str, rabbitmq_version: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    return {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Commit": commit(),
        "Machine": f"{cpu}, {os.cpu_count()} cores, {memory_kib / 2**20:.0f} GiB, Linux {platform.release()}",
        "Software": f"Python {platform.python_version()}, PostgreSQL {postgres_version}, RabbitMQ {rabbitmq_version}",
        "Load generator": subprocess.run(["wrk", "-v"], check=False, capture_output=True, text=True)
        .stdout.split("[")[0]
        .strip()
        or "wrk",
    }


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], check=False, cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()

    revision = git("rev-parse", "--short", "HEAD") or "unknown"
    return revision + (
        " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    )


def ratio(value: float, anchor: float) -> str:
    return f"{value / anchor:.2f}" if anchor else "n/a"
