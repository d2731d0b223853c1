"""The ceiling of the HTTP read path: a bare ASGI app on the same uvicorn settings as every service.
`python -m bench.hello PORT`"""

import sys

import uvicorn

from shared.config import ServiceSettings
from shared.serve import server_options

BODY = b'{"items": [], "total": 0}'


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    uvicorn.run(app, **server_options(ServiceSettings(port=int(sys.argv[1]))))
