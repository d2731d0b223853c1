"""`/api/<service>/...` goes to that service unchanged; the services check tokens and permissions themselves."""

import logging
import re

from fastapi import APIRouter, Request, Response

from gateway.upstream import Upstreams, UpstreamUnavailable
from shared.errors import Problem

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

# Hop-by-hop headers (RFC 9110 §7.6.1) and what the client library sets itself are not forwarded.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
# The browser session cookies are the gateway's own; services authenticate with the Authorization header.
# The X-Forwarded- headers are set anew below: a client's own X-Forwarded-For is never passed on, since the
# services believe the gateway's, and would then throttle logins by whatever address a client made up.
NOT_FORWARDED = HOP_BY_HOP | {"cookie", "x-correlation-id", "x-forwarded-for", "x-forwarded-proto"}
RESPONSE_DROPPED = HOP_BY_HOP | {"content-encoding", "x-correlation-id", "set-cookie", "server", "date"}
_NOT_FORWARDED = frozenset(name.encode() for name in NOT_FORWARDED)
_RESPONSE_DROPPED = frozenset(name.encode() for name in RESPONSE_DROPPED)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


# The paths whose bodies may be as large as a message with its files (shared.middleware.MAX_UPLOAD_BYTES): the
# API's and the portal's forms (the customer's and the agent's).
UPLOADS = re.compile(r"(/api/cases/v1|/agent)?/cases/[^/]+/messages")


def upstreams_of(request: Request) -> Upstreams:
    return request.app.state.upstreams


async def forward(request: Request, service: str, path: str) -> Response:
    """Straight from the ASGI scope to the upstream request and back: this runs on every API call."""
    scope = request.scope
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in scope["headers"]
        if name not in _NOT_FORWARDED
    ]
    # The address the gateway saw: its server resolves X-Forwarded-For only from the proxies it trusts.
    if client := scope.get("client"):
        headers.append(("X-Forwarded-For", client[0]))
    headers.append(("X-Forwarded-Proto", scope.get("scheme", "http")))
    if query := scope.get("query_string"):
        path = f"{path}?{query.decode('latin-1')}"
    # A message with files (F-11) is passed on as it arrives instead of read whole first; the services count it.
    streamed = UPLOADS.fullmatch(scope["path"]) is not None
    try:
        upstream = await upstreams_of(request).send(
            service,
            scope["method"],
            path,
            headers=headers,
            content=request.stream() if streamed else (await request.body() or None),
        )
    except UpstreamUnavailable as exc:
        log.warning("service %s unavailable: %s", exc.service, exc.reason)
        raise Problem(
            exc.status,
            "Service unavailable",
            f"The {service} service cannot be reached right now. Try again in a moment.",
            code="upstream_unavailable",
        ) from exc
    response = Response(content=upstream.content, status_code=upstream.status_code)
    for name, value in upstream.raw_headers:
        name = name.lower()
        if name not in _RESPONSE_DROPPED:
            response.raw_headers.append((name, value))
    return response


# The services' API contracts are for integrators, from the documentation, not from production.
NOT_PUBLIC = ("openapi.json", "docs", "redoc")


def is_public(path: str) -> bool:
    """Dot segments are refused too: the client library would resolve them on the way to the service."""
    segments = [segment for segment in path.split("/") if segment]
    if any(segment in (".", "..") for segment in segments):
        return False
    return not segments or segments[0] not in NOT_PUBLIC


@router.api_route("/api/{service}/{path:path}", methods=METHODS)
async def proxy_api(request: Request, service: str, path: str) -> Response:
    if not upstreams_of(request).knows(service):
        raise Problem(404, "Not found", f"There is no service named {service!r}.", code="unknown_service")
    if not is_public(path):
        raise Problem(404, "Not found", "There is nothing public at this address.", code="not_found")
    return await forward(request, service, f"/api/{service}/{path}")


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> Response:
    return await forward(request, "accounts", "/.well-known/jwks.json")
