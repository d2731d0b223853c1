"""The ceiling of event consumption: consume and ack N messages from a queue with aio-pika, nothing else, in a
process of its own (as a service's consumer is). `python -m bench.raw_consumer URL QUEUE N PREFETCH`
prints "ready" once consuming and "done" when the N-th message is acked."""

import asyncio
import sys

import aio_pika


async def consume(url: str, queue_name: str, count: int, prefetch: int) -> None:
    connection = await aio_pika.connect(url)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=prefetch)
    queue = await channel.get_queue(queue_name)
    finished, acked = asyncio.Event(), 0

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal acked
        await message.ack()
        acked += 1
        if acked == count:
            finished.set()

    await queue.consume(on_message)
    print("ready", flush=True)
    await finished.wait()
    print("done", flush=True)
    await connection.close()


if __name__ == "__main__":
    url, queue_name, count, prefetch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    asyncio.run(consume(url, queue_name, count, prefetch))
