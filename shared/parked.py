"""Operator command for parked messages: `python -m shared.parked <service> list|replay [<message id>]`.

The broker and the names come from the same settings as the service's (AMQP_URL, BUS_PREFIX), and the command
prints which broker and queue it is using before it does anything.

`list` prints each parked message (reason, type, age, replays so far) and leaves it parked. `replay` sends the
parked messages back to the service's queue for another try, every one or the one whose id is given, after asking
(or at once with `--yes`). Each replay is counted in the message's `x-replay-count` header. A message parked for a
permanent error (not a CloudEvent, no contract, a type that is not its routing key, a handler's refusal) fails the
same way every time: it is replayed once, and again only with `--force`. A replay takes only the messages parked
when it began, so a message that fails again and is parked anew is not replayed a second time in the same run."""

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from shared.bus import (
    PARKED_AT_HEADER,
    PARKED_KIND_HEADER,
    PARKED_REASON_HEADER,
    PERMANENT_KINDS,
    REPLAY_HEADER,
    RETRY_HEADER,
    Names,
    ParkedKind,
)
from shared.config import BusSettings

# What a replay takes off: the message starts its retries afresh (its replay count and original key stay).
PARK_HEADERS = (PARKED_REASON_HEADER, PARKED_KIND_HEADER, PARKED_AT_HEADER, "x-last-error", RETRY_HEADER)


@dataclass(frozen=True)
class Parked:
    message_id: str | None
    type: str | None
    kind: str
    reason: str
    parked_at: datetime | None
    replays: int
    body: str

    @property
    def permanent(self) -> bool:
        return self.kind in PERMANENT_KINDS

    def age(self, now: datetime) -> str:
        if self.parked_at is None:
            return "?"
        seconds = max(0, int((now - self.parked_at).total_seconds()))
        days, rest = divmod(seconds, 86_400)
        hours, rest = divmod(rest, 3_600)
        minutes, seconds = divmod(rest, 60)
        if days:
            return f"{days}d{hours}h"
        if hours:
            return f"{hours}h{minutes}m"
        return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "type": self.type,
            "kind": self.kind,
            "reason": self.reason,
            "parked_at": self.parked_at.isoformat() if self.parked_at else None,
            "age": self.age(now),
            "replays": self.replays,
            "body": self.body,
        }


def parked_of(message: AbstractIncomingMessage) -> Parked:
    headers = message.headers or {}
    kind, reason = _text(headers.get(PARKED_KIND_HEADER)), _text(headers.get(PARKED_REASON_HEADER))
    if not kind:
        kind, reason = _dead_lettered(headers, reason)
    return Parked(
        message_id=message.message_id,
        type=_event_type(message.body) or message.type or None,
        kind=kind,
        reason=reason,
        parked_at=_time(headers.get(PARKED_AT_HEADER)) or _death_time(headers),
        replays=_int(headers.get(REPLAY_HEADER)),
        body=message.body.decode(errors="replace")[:500],
    )


def _event_type(body: bytes) -> str | None:
    """The CloudEvent's own type, when the body is one (else the AMQP type, the key it was published with)."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    kind = envelope.get("type") if isinstance(envelope, dict) else None
    return kind if isinstance(kind, str) else None


def _dead_lettered(headers: dict[str, Any], reason: str) -> tuple[str, str]:
    """A message the broker dead-lettered itself (a quorum queue's delivery limit) carries only `x-death`."""
    death = _first_death(headers)
    if death is not None and _text(death.get("reason")) == ParkedKind.DELIVERY_LIMIT:
        return ParkedKind.DELIVERY_LIMIT, reason or "delivered more often than the queue's x-delivery-limit"
    return "unknown", reason or "parked without a reason"


def _first_death(headers: dict[str, Any]) -> dict[str, Any] | None:
    deaths = headers.get("x-death")
    return deaths[0] if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict) else None


def _death_time(headers: dict[str, Any]) -> datetime | None:
    death = _first_death(headers)
    when = death.get("time") if death else None
    if not isinstance(when, datetime):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(_text(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def _parked_messages(
    channel: aio_pika.abc.AbstractChannel, names: Names
) -> list[AbstractIncomingMessage]:
    """Every message parked now, taken unacked (closing the channel puts back what is not acked, in order). Only
    as many as the queue held when asked: what is parked meanwhile waits for the next run."""
    queue = await channel.declare_queue(names.parked, passive=True)
    parked_now = queue.declaration_result.message_count or 0
    taken = []
    for _ in range(parked_now):
        message = await queue.get(fail=False, no_ack=False)
        if message is None:
            break
        taken.append(message)
    return taken


async def list_parked(amqp_url: str, names: Names) -> list[Parked]:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        found = [parked_of(message) for message in await _parked_messages(channel, names)]
        await channel.close()  # nothing acked: every message stays parked
        return found


@dataclass
class ReplayOutcome:
    replayed: list[Parked]
    refused: list[Parked]  # permanent errors replayed before, left parked (replay them with force)


async def replay_parked(
    amqp_url: str, names: Names, *, message_id: str | None = None, force: bool = False
) -> ReplayOutcome:
    """Send the parked messages (or the one with `message_id`) back to the service's queue."""
    outcome = ReplayOutcome([], [])
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        for message in await _parked_messages(channel, names):
            parked = parked_of(message)
            if message_id is not None and parked.message_id != message_id:
                continue
            if parked.permanent and parked.replays >= 1 and not force:
                outcome.refused.append(parked)
                continue
            headers = {k: v for k, v in (message.headers or {}).items() if k not in PARK_HEADERS}
            headers[REPLAY_HEADER] = parked.replays + 1
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers=headers,
                    content_type=message.content_type,
                    message_id=message.message_id,
                    type=message.type,
                    correlation_id=message.correlation_id,
                    app_id=message.app_id,
                    timestamp=message.timestamp,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=names.queue,
            )
            await message.ack()
            outcome.replayed.append(parked)
        await channel.close()  # the ones not replayed stay parked
    return outcome


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ""
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{f':{parts.port}' if parts.port else ''}"))


def confirmed(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        print("not replaying: no terminal to ask on; give --yes to replay without asking")
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("service", help="the service whose parked messages to see (accounts, cases, ...)")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("message_id", nargs="?", help="replay only this message")
    parser.add_argument("--yes", action="store_true", help="replay without asking")
    parser.add_argument(
        "--force", action="store_true", help="replay messages parked for a permanent error again"
    )
    parser.add_argument("--json", action="store_true", help="list as one JSON object per line")
    args = parser.parse_args(argv)
    settings = BusSettings()
    names = Names(settings.bus_prefix, args.service)
    print(
        f"broker {without_password(settings.amqp_url)}, prefix {settings.bus_prefix!r}: "
        f"{names.parked} -> {names.queue}"
    )
    now = datetime.now(UTC)
    found = asyncio.run(list_parked(settings.amqp_url, names))
    if args.action == "list":
        _print_listing(found, now, as_json=args.json)
        return 0
    chosen = [p for p in found if args.message_id is None or p.message_id == args.message_id]
    if not chosen:
        print("nothing to replay" if args.message_id is None else f"no parked message {args.message_id}")
        return 0 if args.message_id is None else 1
    _print_listing(chosen, now, as_json=False)
    if not confirmed(f"replay {len(chosen)} message(s) to {names.queue}?", args.yes):
        return 1
    outcome = asyncio.run(
        replay_parked(settings.amqp_url, names, message_id=args.message_id, force=args.force)
    )
    print(f"replayed {len(outcome.replayed)} message(s) to {names.queue}")
    for parked in outcome.refused:
        print(
            f"not replayed {parked.message_id}: parked for a permanent error ({parked.kind}) and replayed "
            f"{parked.replays} time(s) already; --force replays it again"
        )
    return 0


def _print_listing(found: list[Parked], now: datetime, *, as_json: bool) -> None:
    if as_json:
        for parked in found:
            print(json.dumps(parked.as_dict(now)))
        return
    print(f"{len(found)} parked message(s)")
    for parked in found:
        print(
            f"{parked.message_id}  {parked.type or '-'}  age {parked.age(now)}  replays {parked.replays}  "
            f"{parked.kind}: {parked.reason}"
        )


if __name__ == "__main__":
    sys.exit(main())
