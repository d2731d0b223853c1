"""What every request passes through, in every service and the gateway: a correlation id, a JSON log line and
the latency metric, and a body limit counted on the bytes received. Web-only: it needs neither the database nor
the bus, so the gateway carries neither."""

import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response
from shared.logging import correlation_id
from shared.metrics import HTTP_LATENCY

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000
# A message with its attachments (five files of up to 10 MB each, F-11) and the form around them: only the paths
# an app names as uploads (`large_bodies`) take that much, and it is still counted as it arrives.
MAX_UPLOAD_BYTES = 5 * 10 * 1024 * 1024 + MAX_BODY_BYTES
QUIET_PATHS = ("/health/", "/metrics", "/static/")


class RequestContextMiddleware:
    """Correlation id in and out (X-Correlation-ID), latency metrics, and a size limit on request bodies.

    A pure ASGI middleware: it wraps `send` instead of running the app in a task of its own with streams in
    between (as Starlette's BaseHTTPMiddleware does), which costs little per request."""

    def __init__(self, app: ASGIApp, large_bodies: re.Pattern[str] | None = None) -> None:
        self.app, self.large_bodies = app, large_bodies

    def body_limit(self, path: str) -> int:
        if self.large_bodies is not None and self.large_bodies.fullmatch(path):
            return MAX_UPLOAD_BYTES
        return MAX_BODY_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = length = None  # the first of each, as Starlette's Headers.get
        for key, value in scope["headers"]:
            if key == b"x-correlation-id" and given is None:
                given = value
            elif key == b"content-length" and length is None:
                length = value
        raw_cid = given or uuid.uuid4().hex.encode()
        cid = raw_cid.decode("latin-1")
        token = correlation_id.set(cid[:64])
        started = time.perf_counter()
        status: int | None = None

        async def send_with_correlation_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-correlation-id"]
                headers.append((b"x-correlation-id", raw_cid))
                message["headers"] = headers
            await send(message)

        limit = self.body_limit(scope["path"])
        try:
            if int(length or 0) > limit:
                app: ASGIApp = problem_response(
                    413, "Payload too large", f"The request body may not exceed {limit} bytes."
                )
            else:
                app = self.app
            await app(scope, limited_receive(receive, limit), send_with_correlation_id)
        finally:
            # An app that fails before answering leaves it to the server error handler, unlogged here.
            if status is not None:
                elapsed = time.perf_counter() - started
                method, path = scope["method"], scope["path"]
                route = getattr(scope.get("route"), "path", "unmatched")
                HTTP_LATENCY.labels(method, route, status).observe(elapsed)
                if not path.startswith(QUIET_PATHS):
                    log.info(
                        "%s %s %s",
                        method,
                        path,
                        status,
                        extra={
                            "fields": {
                                "method": method,
                                "path": path,
                                "status": status,
                                "duration_ms": round(elapsed * 1000, 1),
                            }
                        },
                    )
            correlation_id.reset(token)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int = MAX_BODY_BYTES) -> None:
        super().__init__(413, f"The request body may not exceed {limit} bytes.")


def limited_receive(receive: Receive, limit: int = MAX_BODY_BYTES) -> Receive:
    """Counts the body's bytes as they arrive: a chunked body announces no length, so the limit is enforced
    on what is received, before the app has buffered more than the limit. An HTTPException, because FastAPI
    turns any other error while reading a body into a 400."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_within_limit
