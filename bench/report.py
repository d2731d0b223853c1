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

    def targets_table(self) -> Table:
        return targets_table(self.targets)

    def markdown(self) -> str:
        return render(self.machine, self.targets, [table.markdown() for table in self.tables])

    def update(self, previous: str, run: str) -> str:
        """`previous` (a RESULTS.md) with this run's tables and targets in place of its own of the same
        scenarios, the others kept: a table is known by the number its title begins with, a target by its name.
        The machine's lines of `previous` stay, and this run's date, commit and duration join them as `run`."""
        header, _, rest = previous.partition("\n### Targets\n")
        machine = dict(line[2:].split(": ", 1) for line in header.splitlines() if line.startswith("- "))
        machine[run] = ", ".join(
            self.machine[key] for key in ("Date", "Commit", "Duration") if key in self.machine
        )
        targets_table, *sections = rest.split("\n### ")
        new = {target.name: target for target in self.targets}
        targets = [new.pop(old.name, old) for old in parse_targets(targets_table)] + list(new.values())
        fresh: dict[str, list[str]] = {}
        for table in self.tables:
            fresh.setdefault(scenario_of(table.title), []).append(table.markdown())
        replaced, kept = set(fresh), []
        for section in sections:
            scenario = scenario_of(section)
            kept += fresh.pop(scenario, []) if scenario in replaced else ["### " + section.strip()]
        return render(machine, targets, kept + [table for tables in fresh.values() for table in tables])


def targets_table(targets: list[Target]) -> Table:
    return Table(
        "Targets",
        ["Target", "Goal", "Measured", "Met"],
        [[t.name, t.goal, t.measured, t.verdict()] for t in targets],
    )


def render(machine: dict[str, str], targets: list[Target], sections: list[str]) -> str:
    intro = (
        "Written by `make bench` (bench/__main__.py); each figure stands beside the limit of the stack it "
        "runs on, measured in the same run."
    )
    header = ["# Benchmark results", "", intro, ""]
    header += [f"- {key}: {value}" for key, value in machine.items()]
    return "\n".join(header) + "\n\n" + "\n\n".join([targets_table(targets).markdown(), *sections]) + "\n"


def parse_targets(table: str) -> list[Target]:
    """The rows of a Targets table as `render` writes them."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ")
    ]
    return [
        Target(name, goal, measured, met == "yes", counted=met != "not counted")
        for name, goal, measured, met in rows[1:]
    ]


def scenario_of(title: str) -> str:
    """The number a table's title begins with ("7." of "7. Soak: ...")."""
    return title.split(maxsplit=1)[0]


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
