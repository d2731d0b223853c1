"""What the consumers' autoscaler reads (deploy/k8s ScaledObjects), over the real broker: the queue's ready
messages plus the deliveries the replicas hold unacked. With one consumer busy and a backlog of 500, it reads the
whole 500, where the broker's ready count alone (what a queue-length trigger over AMQP reads) misses the prefetch
the busy consumer holds."""

import asyncio
import math
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY
from sqlalchemy import insert

from shared.bus import EventHandlers, HandlerContext
from shared.events import new_event
from shared.events.cases import CaseStatusChanged
from shared.testing import eventually
from tests.integration.conftest import effects, tables
from tests.integration.test_bus import effect_count, status_changed

pytestmark = pytest.mark.integration
BACKLOG = 500
PREFETCH = 100  # as deploy/k8s/base/config.yaml sets it
K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"


def scaler_threshold(service: str) -> int:
    documents = yaml.safe_load_all((K8S / f"{service}.yaml").read_text())
    scaled = next(d for d in documents if d and d.get("kind") == "ScaledObject")
    [trigger] = [t for t in scaled["spec"]["triggers"] if t["type"] == "prometheus"]
    return int(trigger["metadata"]["threshold"])


def sample(metric: str, queue: str) -> float:
    return REGISTRY.get_sample_value(metric, {"queue": queue}) or 0.0


async def test_the_backlog_the_scaler_reads_rises_with_500_waiting_while_one_consumer_is_busy(db, make_bus):
    handlers, release, started = EventHandlers(), asyncio.Event(), asyncio.Event()

    @handlers.on(CaseStatusChanged)
    async def record_when_released(ctx: HandlerContext, data) -> None:
        started.set()
        await release.wait()  # busy: a slow mail server, a long report
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=data.case_id))

    consumer = await make_bus("cases", prefetch=PREFETCH, backlog_interval=0.2)
    await consumer.start_consuming(handlers, db, tables.inbox)
    queue = consumer.names.queue
    for n in range(BACKLOG):
        await consumer.publish(new_event(status_changed(f"c{n:03d}"), source="test"))
    await started.wait()

    async def whole_backlog_seen() -> bool:
        # The trigger's query: max(bus_queue_ready_messages) + sum(bus_messages_in_hand), one replica here.
        return sample("bus_queue_ready_messages", queue) + sample("bus_messages_in_hand", queue) == BACKLOG

    await eventually(whole_backlog_seen, timeout=15)
    ready, in_hand = sample("bus_queue_ready_messages", queue), sample("bus_messages_in_hand", queue)
    assert (ready, in_hand) == (BACKLOG - PREFETCH, PREFETCH)  # the broker's count alone misses the prefetch
    threshold = scaler_threshold("cases")
    assert threshold >= PREFETCH
    assert math.ceil((ready + in_hand) / threshold) == 5  # replicas the scaler asks for: more than the one

    release.set()
    await eventually(lambda: _all_handled(db), timeout=60)
    await eventually(lambda: _nothing_left(queue), timeout=15)


async def _all_handled(db) -> bool:
    return await effect_count(db) == BACKLOG


async def _nothing_left(queue: str) -> bool:
    return sample("bus_queue_ready_messages", queue) + sample("bus_messages_in_hand", queue) == 0
