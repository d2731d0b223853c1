"""The portal under test: the five services as processes on PostgreSQL and RabbitMQ with the demo data, the way
the end-to-end tests start it, and an SMTP server that notes when each email arrives."""

import os
import time
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from threading import Lock

from tests.system import Inbox, RunningSystem, start_system


class TimedInbox(Inbox):
    """Every email's arrival time and subject (headers only: parsing bodies would load the benchmark)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, str]] = []
        self._lock = Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        subject = str(BytesParser(policy=default).parsebytes(envelope.content, headersonly=True)["Subject"])
        with self._lock:
            self.arrivals.append((time.monotonic(), subject))
        return "250 OK"

    def count(self) -> int:
        return len(self.arrivals)

    def since(self, moment: float) -> list[tuple[float, str]]:
        with self._lock:
            return [arrival for arrival in self.arrivals if arrival[0] >= moment]

    def wait_until_quiet(self, quiet_seconds: float = 2.0, timeout: float = 300.0) -> None:
        """Until no email has arrived for a while: what earlier scenarios queued is delivered."""
        deadline = time.monotonic() + timeout
        seen, last_change = self.count(), time.monotonic()
        while time.monotonic() - last_change < quiet_seconds:
            if time.monotonic() > deadline:
                raise TimeoutError("emails kept arriving")
            time.sleep(0.2)
            if self.count() != seen:
                seen, last_change = self.count(), time.monotonic()


def portal(tmp: Path):
    """Generator: the running portal with the services' own settings (no test speed-ups)."""
    return start_system(tmp, TimedInbox(), extra_env={})


def timed_inbox(system: RunningSystem) -> TimedInbox:
    """The inbox of a portal started by `portal()`."""
    if not isinstance(system.inbox, TimedInbox):
        raise TypeError("this portal was not started for the benchmarks")
    return system.inbox


def pid_of(system: RunningSystem, name: str) -> int:
    return system.processes[name].pid


def cpu_seconds(system: RunningSystem, name: str) -> float:
    """User and system CPU time the service's process has used so far (/proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid_of(system, name)}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command) ": the state is field 3
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14 and 15


def resident_memory(system: RunningSystem) -> dict[str, float]:
    """Each process's resident memory in MiB, from /proc."""
    mebibytes = {}
    for name, process in system.processes.items():
        status = Path(f"/proc/{process.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        mebibytes[name] = kib / 1024
    return mebibytes
