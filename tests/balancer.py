"""One address for the replicas of a service, as a Kubernetes Service gives them: a TCP balancer that hands each
new connection to the next replica in turn, and skips a replica that refuses the connection (a dead one). A
connection already open to a replica that dies is cut, as it would be in production; the client tries again."""

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from shared.testing import TcpProxy

T = TypeVar("T")


class RoundRobin(TcpProxy):
    def __init__(self, ports: list[int], host: str = "127.0.0.1") -> None:
        super().__init__(host, ports[0])
        self.upstreams = [(host, port) for port in ports]
        self._next = 0

    async def open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        for _ in self.upstreams:
            target = self.upstreams[self._next]
            self._next = (self._next + 1) % len(self.upstreams)
            try:
                return await asyncio.open_connection(*target)
            except OSError:
                continue  # nobody listens there: the next replica
        raise ConnectionRefusedError(f"no replica accepts connections: {self.upstreams}")


class LoopThread:
    """An event loop in a thread of its own, for the servers of the synchronous end-to-end tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


class Balancers:
    """A RoundRobin per service on the replicas' ports, in one loop thread: `url(service)` is its one address."""

    def __init__(self, replica_ports: dict[str, list[int]]) -> None:
        self.thread = LoopThread()
        self.fronts = {service: RoundRobin(ports) for service, ports in replica_ports.items()}
        for front in self.fronts.values():
            self.thread.run(front.start())

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.fronts[service].port}"

    def close(self) -> None:
        for front in self.fronts.values():
            self.thread.run(front.close())
        self.thread.close()
