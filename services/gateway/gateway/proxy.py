"""`/api/<service>/...` goes to that service unchanged; the services check tokens and permissions themselves."""

import logging

from fastapi import APIRouter, Request, Response

from gateway.upstream import Upstreams, UpstreamUnavailable
from shared.errors import Problem

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

# Hop-by-hop headers (RFC 9110 §7.6.1) and what the client library sets itself are not forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}
# The browser session cookies are the gateway's own; services authenticate with the Authorization header.
NOT_FORWARDED = HOP_BY_HOP | {"cookie", "x-correlation-id"}
RESPONSE_DROPPED = HOP_BY_HOP | {"content-encoding", "x-correlation-id", "set-cookie", "server", "date"}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def upstreams_of(request: Request) -> Upstreams:
    return request.app.state.upstreams


async def forward(request: Request, service: str, path: str) -> Response:
    upstreams = upstreams_of(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
    forwarded_for = request.client.host if request.client else ""
    headers["X-Forwarded-For"] = ", ".join(filter(None, [request.headers.get("x-forwarded-for"), forwarded_for]))
    headers["X-Forwarded-Proto"] = request.url.scheme
    try:
        upstream = await upstreams.send(service, request.method, path, params=list(request.query_params.multi_items()),
                                        headers=headers, content=await request.body() or None)
    except UpstreamUnavailable as exc:
        log.warning("service %s unavailable: %s", exc.service, exc.reason)
        raise Problem(exc.status, "Service unavailable",
                      f"The {service} service cannot be reached right now. Try again in a moment.",
                      code="upstream_unavailable") from exc
    response_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in RESPONSE_DROPPED}
    return Response(content=upstream.content, status_code=upstream.status_code, headers=response_headers)


@router.api_route("/api/{service}/{path:path}", methods=METHODS)
async def proxy_api(request: Request, service: str, path: str) -> Response:
    if not upstreams_of(request).knows(service):
        raise Problem(404, "Not found", f"There is no service named {service!r}.", code="unknown_service")
    return await forward(request, service, f"/api/{service}/{path}")


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> Response:
    return await forward(request, "accounts", "/.well-known/jwks.json")
