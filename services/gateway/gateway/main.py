"""The gateway: the only public entry. Routes /api/<service>/... to the services, serves the web portal and holds
the browser session in cookies. It owns no database and keeps no state between requests (any number of replicas)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from wsgiref.simple_server import WSGIServer

import httpx
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import start_http_server
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import proxy
from gateway.settings import DEV_SECRET, Settings
from gateway.upstream import Upstreams, UpstreamUnavailable, make_client
from gateway.web import (
    account_pages,
    agent_account_pages,
    agent_pages,
    auth_pages,
    calendar_pages,
    contract_pages,
    dashboard_pages,
    guide_pages,
    help_pages,
    portal_pages,
    reading_pages,
    report_pages,
    request_pages,
    supervisor_pages,
    supplies_pages,
    survey_pages,
)
from gateway.web.visit import PACKAGE_DIR, LoginRequired, PageError, Web, start_visit
from shared.characters import invalid_characters, unclean_parameter
from shared.errors import install_problem_handlers, problem_response
from shared.logging import configure_logging
from shared.middleware import RequestContextMiddleware

log = logging.getLogger(__name__)

# Pages load nothing from outside the deployment (F-70); the policy makes the browser enforce it too.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
PAGE_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def create_app(
    settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """`transport` lets tests answer for the services in-process."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        client = make_client(settings.upstream_max_connections, settings.upstream_timeout_seconds, transport)
        upstreams = Upstreams(settings.service_urls(), client)
        app.state.settings, app.state.upstreams = settings, upstreams
        app.state.web = Web(settings, upstreams)
        if settings.session_secret == DEV_SECRET:
            log.warning("using the development session secret; set SESSION_SECRET outside development")
        metrics_server = serve_metrics(settings)
        log.info("gateway started on port %s", settings.port)
        try:
            yield
        finally:
            await client.aclose()
            if metrics_server:
                metrics_server.shutdown()
                metrics_server.server_close()

    app = FastAPI(
        title="Gateway",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_invalid_characters_in_address)],
    )
    install_problem_handlers(app)
    install_page_handlers(app)
    app.add_middleware(RequestContextMiddleware, large_bodies=proxy.UPLOADS)
    app.add_middleware(SecurityHeadersMiddleware)  # the outermost: on every answer, the 413 included
    app.include_router(operations_router())
    app.include_router(proxy.router)
    app.include_router(auth_pages.router)
    app.include_router(agent_account_pages.router)  # before agent_pages: its paths are more specific
    app.include_router(agent_pages.router)
    app.include_router(contract_pages.router)
    app.include_router(supervisor_pages.router)
    app.include_router(calendar_pages.router)
    app.include_router(report_pages.router)
    app.include_router(survey_pages.router)
    app.include_router(reading_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(portal_pages.router)
    app.include_router(account_pages.router)
    app.include_router(request_pages.router)
    app.include_router(help_pages.router)
    app.include_router(guide_pages.router)
    app.include_router(supplies_pages.router)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    return app


def serve_metrics(settings: Settings) -> WSGIServer | None:
    """The gateway is public, so its own metrics are served for the scraper on a port of their own, if any."""
    if not settings.metrics_port:
        return None
    server, _thread = start_http_server(settings.metrics_port, addr=settings.host)
    return server


class SecurityHeadersMiddleware:
    """Every answer says not to sniff its type; pages also carry the content security policy and are not framed.
    A pure ASGI middleware: it edits the headers as they are sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    headers = list(headers)
    names = {name.lower(): value for name, value in reversed(headers)}  # the first value of each name
    if b"x-content-type-options" not in names:
        headers.append((b"x-content-type-options", b"nosniff"))
    if names.get(b"content-type", b"").startswith(b"text/html"):
        replaced = {b"content-security-policy", b"referrer-policy", b"x-frame-options"}
        headers = [(name, value) for name, value in headers if name.lower() not in replaced]
        headers += PAGE_HEADERS
    return headers


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/.well-known/", "/health/", "/metrics"))


async def refuse_invalid_characters_in_address(request: Request) -> None:
    """A NUL or a lone surrogate in a path or query parameter never reaches a service's URL. Form fields go to
    the services in JSON, which refuse them field by field (shared.characters)."""
    if (parameter := unclean_parameter(request)) is None:
        return
    if is_api(request):
        raise invalid_characters(parameter)
    raise PageError(400)


def install_page_handlers(app: FastAPI) -> None:
    """Pages answer with pages: the login form, or an error page in the visitor's language."""

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        return visit_of(request).login_redirect()

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return error_page(request, exc.status)

    @app.exception_handler(UpstreamUnavailable)
    async def _unavailable(request: Request, exc: UpstreamUnavailable) -> Response:
        log.warning(
            "service %s unavailable while rendering %s: %s", exc.service, request.url.path, exc.reason
        )
        if is_api(request):
            return problem_response(
                exc.status,
                "Service unavailable",
                f"The {exc.service} service cannot be reached right now.",
                request.url.path,
                code="upstream_unavailable",
            )
        return error_page(request, exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request) or "text/html" not in request.headers.get("accept", "text/html"):
            return problem_response(exc.status_code, str(exc.detail), None, request.url.path)
        return error_page(request, exc.status_code)


def visit_of(request: Request):
    return getattr(request.state, "visit", None) or start_visit(request)


def error_page(request: Request, status: int) -> Response:
    return visit_of(request).render("error.html", status=status, error_status=status)


def operations_router():
    from fastapi import APIRouter

    router = APIRouter(include_in_schema=False)

    @router.get("/health/live")
    async def live() -> dict:
        return {"status": "live"}

    @router.get("/health/ready")
    async def ready(request: Request) -> JSONResponse:
        """Ready when the gateway itself can serve, whatever the services: a service that is down degrades the
        parts of pages that need it (they say so in the visitor's language) instead of taking every gateway out
        of its load balancer. The answer names each service's state, and says `degraded` while one is not ready."""
        upstreams: Upstreams = request.app.state.upstreams
        names = list(upstreams.urls)
        states = await asyncio.gather(*(service_state(upstreams, name) for name in names))
        checks = dict(zip(names, states, strict=True))
        return JSONResponse(
            {"status": "ready" if all(s == READY for s in states) else "degraded", "checks": checks},
            status_code=200,
        )

    return router


READY, NOT_READY, UNREACHABLE = "ready", "not ready", "unreachable"


async def service_state(upstreams: Upstreams, name: str) -> str:
    """`ready`, `not ready` (it answers, but not ready: its database or broker is away) or `unreachable`."""
    try:
        response = await upstreams.send(name, "GET", "/health/ready", timeout=3.0)
    except UpstreamUnavailable:
        return UNREACHABLE
    return READY if response.status_code == 200 else NOT_READY
