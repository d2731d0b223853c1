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
    counted: bool = True  # False: measured on a machine too busy to judge by (the goal says when)

    def verdict(self) -> str:
        if not self.counted:
            return "not counted"
        return "yes" if self.met else "**no**"


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)

    def table(self, title: str, headers: list[str], rows: list[list[str]], note: str = "") -> None:
        self.tables.append(table := Table(title, headers, rows, note))
        print("\n" + table.markdown(), flush=True)

    def target(self, name: str, goal: str, measured: str, met: bool, *, counted: bool = True) -> None:
        self.targets.append(Target(name, goal, measured, met, counted))

    def markdown(self) -> str:
        intro = (
            "Written by `make bench` (bench/__main__.py); each figure stands beside the limit of the stack it "
            "runs on, measured in the same run."
        )
        header = ["# Benchmark results", "", intro, ""]
        header += [f"- {key}: {value}" for key, value in self.machine.items()]
        tables = [self.targets_table(), *self.tables]
        return "\n".join(header) + "\n\n" + "\n\n".join(t.markdown() for t in tables) + "\n"

    def targets_table(self) -> Table:
        return Table(
            "Targets",
            ["Target", "Goal", "Measured", "Met"],
            [[t.name, t.goal, t.measured, t.verdict()] for t in self.targets],
        )


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
