"""The message bus on aio-pika.

Topology per consuming service (names carry the configured prefix):
  exchanges   selfservice.events, canon.sync                         durable topic
  <svc>.events                quorum queue bound to the handled types; x-delivery-limit, dead-letters to parked
  <svc>.events.retry.<ms>     one classic queue per delay tier; its TTL dead-letters back to <svc>.events
  <svc>.events.parked         quorum queue of messages that failed every retry or could not be understood

A handler runs in its own transaction together with its inbox row; the message is acked after the commit.
Messages that arrive while one is being handled are taken together: a run of consecutive events of one type
shares each handler's transaction (one commit for the run instead of one per event). Should the run fail, its
events are handled again one at a time, so a bad event is retried or parked alone.

Only an event that fails on its own merits spends its retries. When a handler fails while the service's database
cannot be reached, the consumer holds the deliveries in hand (unacked, so the broker counts nothing against them
and hands them to nobody else) and takes no more until the database answers again, then handles them from where
it stopped: an outage parks nothing and loses nothing. Should the broker connection go meanwhile, the deliveries in
hand are let go; the broker hands them out again after the reconnection. (RabbitMQ takes back deliveries held longer
than its `consumer_timeout`, 30 minutes by default, and hands them out again: an outage longer than that costs each
held event one of its `x-delivery-limit` deliveries per half hour, still none of its retries.)

Parking is for what cannot succeed as it is: a body that is not a CloudEvent, a type with no contract, a type that
differs from the routing key it was published with, a handler's `PermanentError`, or retries spent. Each parked
copy says why (`x-parked-reason`) and of which kind (`x-parked-kind`), and `shared.parked` lists and replays them.
"""

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import aio_pika
import aiormq
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustConnection
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, upsert_ignore
from shared.events import PORTAL_EXCHANGE, REGISTRY, VENDOR_EXCHANGE, CloudEvent, EventData
from shared.events.envelope import CONTENT_TYPE
from shared.logging import correlation_id, event_id
from shared.metrics import (
    CONSUMER_PAUSED,
    EVENTS_CONSUMED,
    EVENTS_PARKED,
    EVENTS_PUBLISHED,
    EVENTS_UNROUTABLE,
    IN_HAND,
    QUEUE_READY,
)

log = logging.getLogger(__name__)


class HandlerContext:
    """What a handler is given besides the event's data: its transaction, the event's envelope (none for a batch
    handler, whose items carry theirs) and what the service set up at startup (its app state: the outbox, the
    settings and any resource of its own), so handlers need no closures to reach them."""

    __slots__ = ("_event", "resources", "session")

    def __init__(self, session: AsyncSession, event: CloudEvent | None, resources: Any) -> None:
        self.session, self._event, self.resources = session, event, resources

    @property
    def event(self) -> CloudEvent:
        """The envelope of the event being handled."""
        if self._event is None:
            raise RuntimeError("a batch handler's context has no single event: each item carries its own")
        return self._event

    @property
    def outbox(self) -> Any:
        return self.resources.outbox

    @property
    def settings(self) -> Any:
        return self.resources.settings

    async def publish(self, data: EventData, *, subject: str | None = None) -> CloudEvent:
        """Stage an event in the handler's transaction (published once it commits)."""
        event: CloudEvent = await self.outbox.add(self.session, data, subject=subject)
        return event


Handler = Callable[[HandlerContext, Any], Awaitable[None]]
# A batch handler takes a run of events of its type, in queue order, as (payload, event) pairs.
BatchHandler = Callable[[HandlerContext, list[tuple[Any, CloudEvent]]], Awaitable[None]]
# Which events of its type a handler is for, judged on the payload alone (no transaction, no inbox row).
Relevance = Callable[[Any], bool]
AnyHandler = TypeVar("AnyHandler", Handler, BatchHandler)
RETRY_HEADER = "x-retry-count"
# The routing key an event was first published with: its copies through the retry tiers, the parked queue and a
# replay travel on the default exchange, named after a queue instead.
ORIGINAL_KEY_HEADER = "x-original-routing-key"
PARKED_REASON_HEADER = "x-parked-reason"
PARKED_KIND_HEADER = "x-parked-kind"
PARKED_AT_HEADER = "x-parked-at"
REPLAY_HEADER = "x-replay-count"  # how often an operator has sent the message back (shared.parked)
PER_EVENT_RUN = 16  # the longest run of events given to handlers that take one event at a time


class PermanentError(Exception):
    """A handler failure that retrying cannot fix: the message is parked at once with this reason."""


class ParkedKind:
    """Why a message was parked, in a word (the metric's label; the header says it in full)."""

    MALFORMED = "malformed"  # not a CloudEvent, or its data does not fit the contract
    NO_CONTRACT = "no_contract"  # a type nobody declared
    TYPE_MISMATCH = "type_mismatch"  # the CloudEvent's type is not the routing key it was published with
    REFUSED = "refused"  # a handler's PermanentError
    RETRIES_SPENT = "retries_spent"  # failed on every retry tier
    DELIVERY_LIMIT = "delivery_limit"  # dead-lettered by the broker after x-delivery-limit deliveries


# Kinds that fail the same way however often they are replayed (shared.parked replays them once unless forced).
PERMANENT_KINDS = frozenset(
    {ParkedKind.MALFORMED, ParkedKind.NO_CONTRACT, ParkedKind.TYPE_MISMATCH, ParkedKind.REFUSED}
)
# How long a dependency check may take before it counts as a failed one.
PING_TIMEOUT = 5.0
# Between two checks of a dependency that is away: growing from the first to the last.
PAUSE_BACKOFF = (0.5, 15.0)


class _DependencyDown(Exception):
    """Raised inside a batch when a handler failed because the database is away: `unsettled` are the deliveries
    of the batch not yet acked, in queue order."""

    def __init__(self, unsettled: list[AbstractIncomingMessage], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.unsettled, self.cause = unsettled, cause


@dataclass(frozen=True)
class RegisteredHandler:
    name: str
    event_type: str
    func: Handler | BatchHandler
    takes_batches: bool = False
    when: Relevance | None = None

    def relevant(self, items: list[tuple[Any, CloudEvent]]) -> list[tuple[Any, CloudEvent]]:
        return (
            items
            if self.when is None
            else [(payload, event) for payload, event in items if self.when(payload)]
        )

    async def __call__(
        self, session: AsyncSession, items: list[tuple[Any, CloudEvent]], resources: Any
    ) -> None:
        # `takes_batches` says which of the two signatures `func` has.
        if self.takes_batches:
            await cast(BatchHandler, self.func)(HandlerContext(session, None, resources), items)
            return
        for payload, event in each_event(items):
            await cast(Handler, self.func)(HandlerContext(session, event, resources), payload)


def each_event(items: list[tuple[Any, CloudEvent]]) -> Iterator[tuple[Any, CloudEvent]]:
    """The items of a run, each with its own correlation and event id in the logging context."""
    for payload, event in items:
        correlation_id.set(event.correlationid)
        event_id.set(event.id)
        yield payload, event


class EventHandlers:
    """Registry of event contract -> handlers of one service. Each handler is named after what it reacts to.

    A handler registers by the contract class (`@handlers.on(CaseCreated)`) and is called with a `HandlerContext`
    and the validated data: `async def email_case_created(ctx, data: CaseCreated)`."""

    def __init__(self) -> None:
        self.by_type: dict[str, list[RegisteredHandler]] = {}

    def on(self, contract: type[EventData], *, when: Relevance | None = None) -> Callable[[Handler], Handler]:
        """`when` passes over the events a handler has nothing to do with before any database work: on a busy
        type (every automatic reading, say) that is most of the cost of consuming them."""
        return self._register(contract, takes_batches=False, when=when)

    def on_batch(self, contract: type[EventData]) -> Callable[[BatchHandler], BatchHandler]:
        """For a handler that does set-based work on a run of events (bulk ingestion)."""
        return self._register(contract, takes_batches=True)

    def _register(
        self, contract: type[EventData], *, takes_batches: bool, when: Relevance | None = None
    ) -> Callable[[AnyHandler], AnyHandler]:
        event_type: str = getattr(contract, "event_type", "")  # empty on a class that is not a contract
        if REGISTRY.get(event_type) is not contract:
            raise ValueError(f"{contract!r} is not a registered event contract")

        def register(func: AnyHandler) -> AnyHandler:
            name = f"{func.__module__}.{func.__name__}"
            self.by_type.setdefault(event_type, []).append(
                RegisteredHandler(name, event_type, func, takes_batches, when)
            )
            return func

        return register

    def include(self, other: "EventHandlers") -> None:
        for event_type, handlers in other.by_type.items():
            self.by_type.setdefault(event_type, []).extend(handlers)


class Names:
    def __init__(self, prefix: str, service: str) -> None:
        self.portal_exchange = prefix + PORTAL_EXCHANGE
        self.vendor_exchange = prefix + VENDOR_EXCHANGE
        self.queue = f"{prefix}{service}.events"
        self.parked = f"{self.queue}.parked"

    def exchange(self, logical: str) -> str:
        return {PORTAL_EXCHANGE: self.portal_exchange, VENDOR_EXCHANGE: self.vendor_exchange}[logical]

    def retry_queue(self, delay_ms: int) -> str:
        return f"{self.queue}.retry.{delay_ms}"


class Bus:
    def __init__(
        self,
        *,
        amqp_url: str,
        service: str,
        prefix: str = "",
        prefetch: int = 1000,
        retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000),
        delivery_limit: int = 10,
        backlog_interval: float = 5.0,
    ) -> None:
        self.amqp_url, self.service = amqp_url, service
        self.names = Names(prefix, service)
        self.prefetch, self.retry_delays_ms, self.delivery_limit = prefetch, retry_delays_ms, delivery_limit
        self.backlog_interval = backlog_interval
        # Strong references: aio-pika holds channels weakly, and a lost channel is a silently lost consumer.
        self.connection: AbstractRobustConnection | None = None
        self.publish_channel: AbstractRobustChannel | None = None
        self.consume_channel: AbstractRobustChannel | None = None
        self.queue: aio_pika.abc.AbstractRobustQueue | None = None
        self.consumer_tag: str | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}
        self._consuming = False
        self._arrived: deque[AbstractIncomingMessage] = deque()
        self._draining: asyncio.Task[None] | None = None
        self._handling = 0  # deliveries of the batch being handled
        self._backlog_task: asyncio.Task[None] | None = None
        self._closing = False
        self._closed = asyncio.Event()  # wakes a consumer that waits for its database
        self._db: Database | None = None
        self._inbox: Table | None = None
        self._handlers: EventHandlers | None = None
        self._resources: Any = None

    async def connect(self) -> None:
        self.connection = await aio_pika.connect_robust(
            self.amqp_url, client_properties={"connection_name": f"{self.names.queue}:{id(self):x}"}
        )
        self.publish_channel = await self.connection.channel(publisher_confirms=True)
        self.publish_channel.return_callbacks.add(self._on_returned)
        for logical in (PORTAL_EXCHANGE, VENDOR_EXCHANGE):
            self._exchanges[logical] = await self.publish_channel.declare_exchange(
                self.names.exchange(logical), aio_pika.ExchangeType.TOPIC, durable=True
            )

    async def close(self, settle_timeout: float = 10.0) -> None:
        """Stop taking deliveries and let the batch in hand commit and be acked before the connection goes;
        the messages not begun are left unacked, so the broker hands them to another consumer or to us again."""
        self._closing = True
        self._closed.set()
        if self._backlog_task is not None:
            self._backlog_task.cancel()
            await asyncio.gather(self._backlog_task, return_exceptions=True)
        if self._consuming and self.queue is not None and self.consumer_tag is not None:
            self._consuming = False
            # A failure means the channel is gone already: nothing more will arrive.
            with contextlib.suppress(
                aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError, TimeoutError
            ):
                await asyncio.wait_for(self.queue.cancel(self.consumer_tag), settle_timeout)
        if self._draining is not None and not self._draining.done():
            await asyncio.wait([self._draining], timeout=settle_timeout)
        if self.connection:
            await self.connection.close()
        for gauge in (IN_HAND, QUEUE_READY, CONSUMER_PAUSED):
            with contextlib.suppress(KeyError):
                gauge.remove(self.names.queue)

    # Publishing -----------------------------------------------------------------------------------------

    async def publish_raw(
        self, exchange: str, routing_key: str, body: bytes, message_id: str, *, timeout: float = 10.0
    ) -> None:
        """Publish one CloudEvent body and wait for the broker's confirm (the outbox relay's publish).

        Straight on the channel underneath aio-pika's: its Message object and a wait for the socket to drain
        after every frame were a third of the cost of publishing a run of accepted readings. The broker's
        confirm is still awaited, and at most one relay batch is in flight."""
        envelope = json.loads(body)
        properties = aiormq.spec.Basic.Properties(
            content_type=CONTENT_TYPE,
            message_id=message_id,
            message_type=routing_key,
            correlation_id=envelope.get("correlationid"),
            app_id=envelope.get("source"),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT.value,
            timestamp=datetime.now(UTC),
        )
        if self.publish_channel is None:
            raise RuntimeError("the bus is not connected")
        channel = await self.publish_channel.get_underlay_channel()
        await channel.basic_publish(  # type: ignore[call-arg]  # aiormq's abstract channel omits `wait`
            body,
            exchange=self._exchanges[exchange].name,
            routing_key=routing_key,
            properties=properties,
            mandatory=True,
            timeout=timeout,
            wait=False,
        )
        EVENTS_PUBLISHED.labels(routing_key).inc()

    async def publish(self, event: CloudEvent, exchange: str = PORTAL_EXCHANGE) -> None:
        """Publish directly, outside any transaction: for tools and tests, never for business changes."""
        await self.publish_raw(
            exchange, event.type, event.model_dump_json(exclude_none=True).encode(), event.id
        )

    def _on_returned(self, _channel: Any, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        # Mandatory publishing makes an event nobody is bound for visible instead of silently dropped.
        EVENTS_UNROUTABLE.labels(message.type or "").inc()
        log.warning("event %s (%s) was not routed to any queue", message.message_id, message.type)

    # Consuming ------------------------------------------------------------------------------------------

    async def start_consuming(
        self, handlers: EventHandlers, db: Database, inbox: Table, resources: Any = None
    ) -> None:
        """`resources` is what handlers reach through their context (`ctx.outbox`, `ctx.settings`: the app state)."""
        self._db, self._inbox, self._handlers, self._resources = db, inbox, handlers, resources
        if self.connection is None:
            raise RuntimeError("the bus is not connected")
        self.consume_channel = await self.connection.channel(publisher_confirms=True)
        await self.consume_channel.set_qos(prefetch_count=self.prefetch)
        self.queue = await self.declare_topology(self.consume_channel, handlers.by_type)
        self.consumer_tag = await self.queue.consume(self._on_message)
        self._consuming = True
        IN_HAND.labels(self.names.queue).set_function(lambda: len(self._arrived) + self._handling)
        CONSUMER_PAUSED.labels(self.names.queue).set(0)
        self._backlog_task = asyncio.create_task(self._watch_backlog(), name=f"{self.names.queue}-backlog")

    async def _watch_backlog(self) -> None:
        """Keep `bus_queue_ready_messages` current: what the broker holds ready for this service's consumers. With
        the deliveries every replica holds (`bus_messages_in_hand`) it is the backlog the autoscaler reads."""
        channel: AbstractRobustChannel | None = None
        while not self._closing:
            try:
                if channel is None or channel.is_closed:
                    if self.connection is None:
                        raise RuntimeError("the bus is not connected")
                    channel = await self.connection.channel()
                # Asked on the channel underneath: aio-pika's robust channel answers a repeated passive declare
                # from its cache, with the count of the first.
                underlay = await channel.get_underlay_channel()
                declared = await underlay.queue_declare(self.names.queue, passive=True)
                QUEUE_READY.labels(self.names.queue).set(declared.message_count or 0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker is away: the robust connection comes back by itself
                log.debug("queue length of %s not read: %s", self.names.queue, _short(exc))
                channel = None
            await asyncio.sleep(self.backlog_interval)

    async def declare_topology(
        self, channel: aio_pika.abc.AbstractChannel, event_types: Iterable[str]
    ) -> Any:
        names = self.names
        for logical in (PORTAL_EXCHANGE, VENDOR_EXCHANGE):
            await channel.declare_exchange(names.exchange(logical), aio_pika.ExchangeType.TOPIC, durable=True)
        await channel.declare_queue(names.parked, durable=True, arguments={"x-queue-type": "quorum"})
        for delay in self.retry_delays_ms:
            await channel.declare_queue(
                names.retry_queue(delay),
                durable=True,
                arguments={
                    "x-queue-type": "classic",
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": names.queue,
                },
            )
        queue = await channel.declare_queue(
            names.queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": names.parked,
            },
        )
        for event_type in sorted(event_types):
            await queue.bind(names.exchange(REGISTRY[event_type].exchange), routing_key=event_type)
        return queue

    def is_ready(self) -> bool:
        """Connected, and consuming when this service consumes (readiness fails while a consumer is missing)."""
        if self.connection is None or self.connection.is_closed or not self.connection.connected.is_set():
            return False
        if self._consuming:
            return self._consumer_attached()
        return True

    def _consumer_attached(self) -> bool:
        """The channel may stay open while the broker has cancelled its consumer (the queue was deleted, a quorum
        queue lost its leader): then nothing arrives, and readiness must say so. aio-pika exposes the underlying
        channel's consumers only through a coroutine, so they are read from its reference here."""
        channel = self.consume_channel
        if channel is None or channel.is_closed:
            return False
        underlay = getattr(channel, "_channel", None)
        consumers = getattr(getattr(underlay, "channel", None), "consumers", None)
        return consumers is None or self.consumer_tag in consumers

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # One drain task at a time handles what has arrived, a batch after another: that keeps the queue's order
        # (an upsert is never overtaken by an older one) and takes everything that queued up meanwhile together.
        # Each delivery's own task ends here at once; with a lock instead, up to `prefetch` of them queued
        # behind it and were woken one by one after every batch, only to find nothing left to do.
        if self._closing:
            return  # left unacked: it comes again
        self._arrived.append(message)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name=f"{self.names.queue}-drain")

    async def _drain(self) -> None:
        while self._arrived and not self._closing:
            taken = [self._arrived.popleft() for _ in range(min(len(self._arrived), self.prefetch))]
            # Deliveries of a channel that has gone since (the broker connection was lost): the broker hands them
            # out again on the new one, and they could not be acked on the old.
            batch = [message for message in taken if _channel_open(message)]
            self._handling = len(batch)
            try:
                await self._settle(batch)
            except Exception:
                # Unacked, these messages come again once the channel is back; the rest are still handled.
                log.exception("a batch of %d messages could not be settled", len(batch))
            finally:
                self._handling = 0

    async def _settle(self, batch: list[AbstractIncomingMessage]) -> None:
        """Handle a batch; while the database is away, hold what is unsettled and go on once it is back."""
        while batch:
            try:
                await self._handle_batch(batch)
                return
            except _DependencyDown as down:
                batch = await self._hold_until_back(down)

    async def _hold_until_back(self, down: _DependencyDown) -> list[AbstractIncomingMessage]:
        """Wait, taking nothing new, until the database answers; returns the deliveries still ours to handle
        (none when the channel went meanwhile: the broker hands those out again)."""
        queue = self.names.queue
        log.warning(
            "database unreachable (%s): holding %d event(s) of %s until it is back, taking no more",
            _short(down.cause),
            len(down.unsettled),
            queue,
        )
        CONSUMER_PAUSED.labels(queue).set(1)
        started, delay = asyncio.get_running_loop().time(), PAUSE_BACKOFF[0]
        try:
            while not self._closing and not await self._database_answers():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), delay)
                delay = min(delay * 2, PAUSE_BACKOFF[1])
        finally:
            CONSUMER_PAUSED.labels(queue).set(0)
        held = [message for message in down.unsettled if _channel_open(message)]
        log.warning(
            "database back after %.0f s: handling the %d event(s) held for %s",
            asyncio.get_running_loop().time() - started,
            len(held),
            queue,
        )
        return [] if self._closing else held

    async def _database_answers(self) -> bool:
        db = _started(self._handlers, self._db, self._inbox)[1]
        try:
            return await asyncio.wait_for(db.ping(), PING_TIMEOUT)
        except TimeoutError:
            return False

    async def _dependency_down(self, exc: BaseException) -> bool:
        """Whether a handler failed because the database is away, not because of its event: asked of the database
        itself, whatever the error looks like (a connection error from elsewhere, the mail server's, say, must not
        hold the queue, and a database error of an unfamiliar shape must not spend the event's retries)."""
        if await self._database_answers():
            return False
        log.info("a handler failed while the database does not answer: %s", _short(exc))
        return True

    async def _handle_batch(self, messages: list[AbstractIncomingMessage]) -> None:
        run: list[tuple[AbstractIncomingMessage, CloudEvent, EventData]] = []
        for index, message in enumerate(messages):
            understood = await self._understand(message)
            if understood is None:
                continue
            if run and (
                run[-1][1].type != understood[1].type or len(run) >= self._run_limit(run[-1][1].type)
            ):
                await self._handle_run(run, messages[index:])
                run = []
            run.append(understood)
        if run:
            await self._handle_run(run, [])

    def _run_limit(self, event_type: str) -> int:
        """Set-based handlers take everything that queued up; per-event handlers short runs, which amortise the
        commits without holding back the first event's effect (an email, say) behind a long run."""
        handlers = _started(self._handlers, self._db, self._inbox)[0].by_type.get(event_type, [])
        return self.prefetch if handlers and all(h.takes_batches for h in handlers) else PER_EVENT_RUN

    async def _understand(
        self, message: AbstractIncomingMessage
    ) -> tuple[AbstractIncomingMessage, CloudEvent, EventData] | None:
        """(message, event, payload), or None once a message nobody can understand is parked."""
        try:
            event = CloudEvent.model_validate_json(message.body)
            payload = REGISTRY[event.type].model_validate(event.data) if event.type in REGISTRY else None
        except (ValidationError, ValueError) as exc:
            await self._park(message, ParkedKind.MALFORMED, f"malformed event: {_short(exc)}")
            return None
        if payload is None:
            await self._park(message, ParkedKind.NO_CONTRACT, f"no contract for event type {event.type!r}")
            return None
        routing_key = original_routing_key(message)
        if routing_key is not None and routing_key != event.type:
            await self._park(
                message,
                ParkedKind.TYPE_MISMATCH,
                f"event type {event.type!r} differs from the routing key {routing_key!r} it was published with",
            )
            return None
        return message, event, payload

    async def _handle_run(
        self,
        run: list[tuple[AbstractIncomingMessage, CloudEvent, EventData]],
        rest: list[AbstractIncomingMessage],
    ) -> None:
        """`rest`: the batch's deliveries after the run, handed back with the run's own should the database be
        away."""
        if len(run) > 1:
            try:
                await dispatch_run(
                    *_started(self._handlers, self._db, self._inbox),
                    [(payload, event) for _, event, payload in run],
                    self._resources,
                )
            except Exception as exc:
                if await self._dependency_down(exc):
                    raise _DependencyDown([m for m, _, _ in run] + rest, exc) from exc
                log.info(
                    "a run of %d %s failed together (%s); handling them one at a time",
                    len(run),
                    run[0][1].type,
                    _short(exc),
                )
            else:
                EVENTS_CONSUMED.labels(run[0][1].type, "ok").inc(len(run))
                # One frame for the whole run: every earlier delivery on this channel is settled already, since
                # messages are handled strictly one batch after another.
                await run[-1][0].ack(multiple=True)
                return
        for index, understood in enumerate(run):
            try:
                await self._handle_one(*understood)
            except _DependencyDown as down:
                raise _DependencyDown([m for m, _, _ in run[index:]] + rest, down.cause) from down.cause

    async def _handle_one(
        self, message: AbstractIncomingMessage, event: CloudEvent, payload: EventData
    ) -> None:
        try:
            await dispatch(*_started(self._handlers, self._db, self._inbox), event, payload, self._resources)
        except PermanentError as exc:
            EVENTS_CONSUMED.labels(event.type, "parked").inc()
            await self._park(message, ParkedKind.REFUSED, f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            if await self._dependency_down(exc):
                raise _DependencyDown([message], exc) from exc
            log.exception("handler failed for %s %s", event.type, event.id)
            await self._retry_or_park(message, event.type, exc)
        else:
            EVENTS_CONSUMED.labels(event.type, "ok").inc()
            await message.ack()

    async def _retry_or_park(self, message: AbstractIncomingMessage, event_type: str, exc: Exception) -> None:
        retries = (message.headers or {}).get(RETRY_HEADER, 0)
        attempt = int(retries) if isinstance(retries, int | float | str | bytes) else 0
        if attempt >= len(self.retry_delays_ms):
            EVENTS_CONSUMED.labels(event_type, "parked").inc()
            await self._park(
                message, ParkedKind.RETRIES_SPENT, f"failed after {attempt + 1} attempts: {_short(exc)}"
            )
            return
        EVENTS_CONSUMED.labels(event_type, "retried").inc()
        headers = {**(message.headers or {}), RETRY_HEADER: attempt + 1, "x-last-error": _short(exc)}
        await self._republish(message, self.names.retry_queue(self.retry_delays_ms[attempt]), headers)

    async def _park(self, message: AbstractIncomingMessage, kind: str, reason: str) -> None:
        log.error("parking message %s (%s): %s", message.message_id, kind, reason)
        EVENTS_PARKED.labels(self.names.queue, kind).inc()
        headers = {
            **(message.headers or {}),
            PARKED_REASON_HEADER: reason[:1000],
            PARKED_KIND_HEADER: kind,
            PARKED_AT_HEADER: datetime.now(UTC).isoformat(),
        }
        await self._republish(message, self.names.parked, headers)

    async def _republish(
        self, message: AbstractIncomingMessage, queue_name: str, headers: dict[str, Any]
    ) -> None:
        # Publish the copy (confirmed) before acking the original: a crash in between gives a duplicate,
        # which the inbox absorbs, never a loss.
        if message.exchange:  # first time off an exchange: the copy keeps the key it was published with
            headers.setdefault(ORIGINAL_KEY_HEADER, message.routing_key or "")
        copy = aio_pika.Message(
            message.body,
            headers=headers,
            content_type=message.content_type,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type=message.type,
            app_id=message.app_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            timestamp=message.timestamp,
        )
        if self.consume_channel is None:
            raise RuntimeError("the bus is not consuming")
        await self.consume_channel.default_exchange.publish(copy, routing_key=queue_name)
        await message.ack()


def original_routing_key(message: AbstractIncomingMessage) -> str | None:
    """The routing key the event was published with: the delivery's own when it came through an exchange, else
    the one its copy carries (None for a message put straight into the queue by hand)."""
    if message.exchange:
        return message.routing_key
    key = (message.headers or {}).get(ORIGINAL_KEY_HEADER)
    if isinstance(key, bytes):
        key = key.decode(errors="replace")
    return key if isinstance(key, str) and key else None


def _channel_open(message: AbstractIncomingMessage) -> bool:
    try:
        return not message.channel.is_closed
    except aio_pika.exceptions.ChannelInvalidStateError:
        return False


def _started(
    handlers: EventHandlers | None, db: Database | None, inbox: Table | None
) -> tuple[EventHandlers, Database, Table]:
    """What `start_consuming` was given: events are handled only after it."""
    if handlers is None or db is None or inbox is None:
        raise RuntimeError("the bus has not started consuming")
    return handlers, db, inbox


async def dispatch(
    handlers: EventHandlers,
    db: Database,
    inbox: Table,
    event: CloudEvent,
    payload: EventData,
    resources: Any = None,
) -> None:
    """Run every handler of the event, each in its own transaction with its inbox row."""
    await dispatch_run(handlers, db, inbox, [(payload, event)], resources)


async def dispatch_run(
    handlers: EventHandlers,
    db: Database,
    inbox: Table,
    items: list[tuple[EventData, CloudEvent]],
    resources: Any = None,
) -> None:
    """Run every handler of a run of events of one type: each handler in one transaction with the inbox rows of
    the events it is for, given only those it has not handled before. Passing an event over is harmless to
    repeat, so it leaves no inbox row."""
    event_type, acted = items[0][1].type, False
    try:
        for handler in handlers.by_type.get(event_type, []):
            relevant = handler.relevant(items)
            if not relevant:
                continue
            acted = True
            async with db.session() as session, session.begin():
                new_ids = await record_all_in_inbox(session, inbox, handler.name, [e.id for _, e in relevant])
                fresh = [(payload, event) for payload, event in relevant if new_ids.pop(event.id, None)]
                if len(fresh) < len(relevant):
                    EVENTS_CONSUMED.labels(event_type, "duplicate").inc(len(relevant) - len(fresh))
                if fresh:
                    await handler(session, fresh, resources)
        last = items[-1][1]
        # Runs that were all passed over (every automatic reading, for notifications) are not worth a log line.
        log.log(
            logging.INFO if acted else logging.DEBUG,
            "handled %s" if acted else "passed over %s",
            event_type,
            extra={"fields": {"event_type": event_type, "source": last.source, "count": len(items)}},
        )
    finally:
        correlation_id.set(None)
        event_id.set(None)


class InMemoryBus:
    """A stand-in for handler logic in unit tests (`AMQP_URL=memory://`): it records what is published and
    delivers events straight to the handlers. It proves nothing about routing, retries or delivery."""

    def __init__(self, **_ignored: Any) -> None:
        self.published: list[CloudEvent] = []
        self._handlers = EventHandlers()
        self._db: Database | None = None
        self._inbox: Table | None = None
        self._resources: Any = None

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    def is_ready(self) -> bool:
        return True

    async def publish_raw(
        self, exchange: str, routing_key: str, body: bytes, message_id: str, **_: Any
    ) -> None:
        self.published.append(CloudEvent.model_validate_json(body))

    async def publish(self, event: CloudEvent, exchange: str = PORTAL_EXCHANGE) -> None:
        self.published.append(event)

    async def start_consuming(
        self, handlers: EventHandlers, db: Database, inbox: Table, resources: Any = None
    ) -> None:
        self._handlers, self._db, self._inbox, self._resources = handlers, db, inbox, resources

    async def deliver(self, event: CloudEvent) -> None:
        await dispatch(
            *_started(self._handlers, self._db, self._inbox), event, event.payload(), self._resources
        )

    async def deliver_run(self, events: list[CloudEvent]) -> None:
        """Events of one type as the bus hands over those that queued up: in one transaction per handler."""
        await dispatch_run(
            *_started(self._handlers, self._db, self._inbox),
            [(e.payload(), e) for e in events],
            self._resources,
        )

    def of_type(self, event_type: str) -> list[CloudEvent]:
        return [e for e in self.published if e.type == event_type]


def make_bus(*, amqp_url: str, **options: Any) -> "Bus | InMemoryBus":
    return InMemoryBus() if amqp_url.startswith("memory://") else Bus(amqp_url=amqp_url, **options)


async def record_all_in_inbox(
    session: AsyncSession, inbox: Table, handler: str, event_ids: list[str]
) -> dict[str, bool]:
    """Record (handler, event id) for each event in the caller's transaction, in one statement; returns the ids
    not handled before (an id given twice counts once)."""
    # Transport bookkeeping, as the messages' timestamps and `x-parked-at`: the real clock, which operators compare
    # with the logs, not business time (shared.clock).
    now = datetime.now(UTC)
    rows = [{"handler": handler, "event_id": id_, "processed_at": now} for id_ in dict.fromkeys(event_ids)]
    # Parameters given apart from the statement: one cached statement whatever the run's length.
    result = await session.execute(
        upsert_ignore(session, inbox).on_conflict_do_nothing().returning(inbox.c.event_id), rows
    )
    return dict.fromkeys(result.scalars().all(), True)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
