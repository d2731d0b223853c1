"""Operator command for parked messages: `python -m shared.parked <service> list|replay [--prefix P]`.

`list` prints each parked message with its reason without removing it; `replay` sends every parked
message back to the service's queue (retry count reset) for another try."""

import argparse
import asyncio
import json
import os
from typing import Any

import aio_pika

from shared.bus import RETRY_HEADER, Names

PARK_HEADERS = ("x-parked-reason", "x-parked-at", "x-last-error", RETRY_HEADER)


async def list_parked(amqp_url: str, names: Names) -> list[dict[str, Any]]:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(names.parked)
        found = []
        while (message := await queue.get(fail=False)) is not None:
            found.append(
                {
                    "message_id": message.message_id,
                    "type": message.type,
                    "reason": (message.headers or {}).get("x-parked-reason"),
                    "parked_at": (message.headers or {}).get("x-parked-at"),
                    "body": message.body.decode(errors="replace")[:500],
                }
            )
        # Nothing was acked: closing the channel returns every message to the parked queue, in order.
        await channel.close()
        return found


async def replay_parked(amqp_url: str, names: Names) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.get_queue(names.parked)
        replayed = 0
        while (message := await queue.get(fail=False)) is not None:
            headers = {k: v for k, v in (message.headers or {}).items() if k not in PARK_HEADERS}
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers=headers,
                    content_type=message.content_type,
                    message_id=message.message_id,
                    type=message.type,
                    correlation_id=message.correlation_id,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=names.queue,
            )
            await message.ack()
            replayed += 1
        return replayed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--prefix", default=os.environ.get("BUS_PREFIX", ""))
    parser.add_argument(
        "--amqp-url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/")
    )
    args = parser.parse_args()
    names = Names(args.prefix, args.service)
    if args.action == "list":
        for entry in asyncio.run(list_parked(args.amqp_url, names)):
            print(json.dumps(entry))
    else:
        print(f"replayed {asyncio.run(replay_parked(args.amqp_url, names))} message(s) to {names.queue}")


if __name__ == "__main__":
    main()
