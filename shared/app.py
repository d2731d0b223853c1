"""The service skeleton: one call builds a FastAPI app with database, bus, outbox relay, consumer,
token verification, problem details, correlation ids, health and metrics.

Each service passes its settings, its messaging tables, its routers and its event handlers."""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.middleware.base import BaseHTTPMiddleware

from shared.auth import TokenVerifier
from shared.bus import Bus, EventHandlers, make_bus
from shared.config import ServiceSettings
from shared.db import Database, upsert_ignore
from shared.errors import install_problem_handlers, problem_response
from shared.events.accounts import SessionRevoked
from shared.logging import configure_logging, correlation_id
from shared.messaging_tables import MessagingTables
from shared.metrics import HTTP_LATENCY
from shared.outbox import Outbox, OutboxRelay

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000
QUIET_PATHS = ("/health/", "/metrics", "/static/")

Hook = Callable[[FastAPI], Awaitable[None]]


def session_revocation_handlers(tables: MessagingTables) -> EventHandlers:
    """Keep the local copy of ended sessions, so a logged-out or deactivated user's token is refused here too."""
    handlers = EventHandlers()

    @handlers.on("accounts.session.revoked")
    async def forget_revoked_session(session: AsyncSession, data: SessionRevoked, _event) -> None:
        await session.execute(upsert_ignore(session, tables.revoked_sessions).values(
            session_id=data.session_id, user_id=data.user_id, expires_at=data.expires_at).on_conflict_do_nothing())

    return handlers


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    tables: MessagingTables,
    routers: Sequence[APIRouter] = (),
    handlers: EventHandlers | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    consume_session_revocations: bool = True,
) -> FastAPI:
    all_handlers = EventHandlers()
    if handlers:
        all_handlers.include(handlers)
    if consume_session_revocations:
        all_handlers.include(session_revocation_handlers(tables))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        db = Database(settings.database_url)
        bus = make_bus(amqp_url=settings.amqp_url, service=settings.service_name, prefix=settings.bus_prefix,
                  prefetch=settings.bus_prefetch, retry_delays_ms=settings.bus_retry_delays_ms,
                  delivery_limit=settings.bus_delivery_limit)
        outbox = Outbox(tables.outbox, source=settings.service_name)
        relay = OutboxRelay(db, outbox, bus.publish_raw)
        app.state.settings, app.state.db, app.state.bus, app.state.outbox = settings, db, bus, outbox
        app.state.tables = tables
        app.state.verifier = TokenVerifier(settings.public_keys_pem(), issuer=settings.jwt_issuer,
                                           audience=settings.jwt_audience)
        await connect_with_retry(bus)
        for hook in on_startup:
            await hook(app)
        relay.start()
        if all_handlers.by_type:
            await bus.start_consuming(all_handlers, db, tables.inbox)
        log.info("%s started on port %s", settings.service_name, settings.port)
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await relay.stop()
            await bus.close()
            await db.dispose()

    app = FastAPI(title=title, lifespan=lifespan, openapi_url=f"/api/{settings.service_name}/openapi.json",
                  docs_url=f"/api/{settings.service_name}/docs", redoc_url=None)
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    return app


async def connect_with_retry(bus: "Bus", attempts: int = 30, delay: float = 1.0) -> None:
    for attempt in range(1, attempts + 1):
        try:
            await bus.connect()
            return
        except (ConnectionError, OSError) as exc:
            if attempt == attempts:
                raise
            log.warning("broker unreachable (%s), retrying", exc)
            await asyncio.sleep(delay)


class RequestContextMiddleware(BaseHTTPMiddleware):
    """Correlation id in and out (X-Correlation-ID), latency metrics, and a size limit on request bodies."""

    async def dispatch(self, request: Request, call_next) -> Response:
        cid = request.headers.get("x-correlation-id") or uuid.uuid4().hex
        token = correlation_id.set(cid[:64])
        started = time.perf_counter()
        try:
            if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
                response = problem_response(413, "Payload too large",
                                            f"The request body may not exceed {MAX_BODY_BYTES} bytes.")
            else:
                response = await call_next(request)
            elapsed = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "unmatched")
            HTTP_LATENCY.labels(request.method, route, response.status_code).observe(elapsed)
            if not request.url.path.startswith(QUIET_PATHS):
                log.info("%s %s %s", request.method, request.url.path, response.status_code, extra={"fields": {
                    "method": request.method, "path": request.url.path, "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1)}})
        finally:
            correlation_id.reset(token)
        response.headers["X-Correlation-ID"] = cid
        return response


def health_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health/live")
    async def live() -> dict:
        return {"status": "live"}

    @router.get("/health/ready")
    async def ready(request: Request) -> JSONResponse:
        checks = {"database": await request.app.state.db.ping(), "broker": request.app.state.bus.is_ready()}
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"status": "ready" if status == 200 else "not ready", "checks": checks},
                            status_code=status)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.session() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(_session)]


def outbox_of(request: Request) -> Outbox:
    return request.app.state.outbox


OutboxDep = Annotated[Outbox, Depends(outbox_of)]
