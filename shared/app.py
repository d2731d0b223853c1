"""The service skeleton: one call builds a FastAPI app with database, bus, outbox relay, consumer,
token verification, problem details, correlation ids, health and metrics.

Each service passes its settings, its messaging tables, its routers and its event handlers."""

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import TokenVerifier
from shared.bus import Bus, EventHandlers, HandlerContext, InMemoryBus, make_bus
from shared.characters import reject_invalid_characters
from shared.config import ServiceSettings
from shared.db import Database, install_database_problem_handlers, run_after_commit, upsert_ignore
from shared.errors import install_problem_handlers
from shared.events.accounts import SessionRevoked
from shared.logging import configure_logging
from shared.messaging_tables import MessagingTables
from shared.middleware import RequestContextMiddleware
from shared.outbox import Outbox, OutboxRelay
from shared.retention import retention_job
from shared.revocations import RevocationsInDatabase, RevocationsInMemory

log = logging.getLogger(__name__)

Hook = Callable[[FastAPI], Awaitable[None]]


def session_revocation_handlers(tables: MessagingTables) -> EventHandlers:
    """Keep the local copy of ended sessions, so a logged-out or deactivated user's token is refused here too."""
    handlers = EventHandlers()

    @handlers.on(SessionRevoked)
    async def forget_revoked_session(ctx: HandlerContext, data: SessionRevoked) -> None:
        await ctx.session.execute(
            upsert_ignore(ctx.session, tables.revoked_sessions)
            .values(session_id=data.session_id, user_id=data.user_id, expires_at=data.expires_at)
            .on_conflict_do_nothing()
        )
        revocations: RevocationsInMemory = ctx.resources.revocations
        run_after_commit(ctx.session, lambda: revocations.add(data.session_id))

    return handlers


def service_bus(settings: ServiceSettings) -> Bus | InMemoryBus:
    return make_bus(
        amqp_url=settings.amqp_url,
        service=settings.service_name,
        prefix=settings.bus_prefix,
        prefetch=settings.bus_prefetch,
        retry_delays_ms=settings.bus_retry_delays_ms,
        delivery_limit=settings.bus_delivery_limit,
    )


def service_handlers(
    handlers: EventHandlers | None, tables: MessagingTables, consume_session_revocations: bool
) -> EventHandlers:
    """Everything the service consumes: its own handlers, and the ended sessions unless it ends them itself."""
    all_handlers = EventHandlers()
    if handlers:
        all_handlers.include(handlers)
    if consume_session_revocations:
        all_handlers.include(session_revocation_handlers(tables))
    return all_handlers


def revocation_hooks(tables: MessagingTables, settings: ServiceSettings, consumed: bool) -> tuple[Hook, Hook]:
    """Start and stop of the check of requests against ended sessions (`app.state.revocations`): in memory where
    they arrive as events (`consumed`), in the database where the service ends them itself (shared.revocations)."""

    async def start(app: FastAPI) -> None:
        db = app.state.db
        app.state.revocations = (
            RevocationsInMemory(
                db, tables.revoked_sessions, refresh_seconds=settings.revocation_refresh_seconds
            )
            if consumed
            else RevocationsInDatabase(db, tables.revoked_sessions)
        )
        await app.state.revocations.start()

    async def stop(app: FastAPI) -> None:
        await app.state.revocations.stop()

    return start, stop


def with_shared_hooks(
    tables: MessagingTables,
    settings: ServiceSettings,
    consume_session_revocations: bool,
    on_startup: Sequence[Hook],
    on_shutdown: Sequence[Hook],
) -> tuple[list[Hook], list[Hook]]:
    """The service's own hooks between the shared ones: the ended sessions are known before anything else starts
    (and before the first request), the retention job runs once the service's own have started."""
    start_retention, stop_retention = retention_job(tables, settings)
    start_revocations, stop_revocations = revocation_hooks(tables, settings, consume_session_revocations)
    return [start_revocations, *on_startup, start_retention], [*on_shutdown, stop_retention, stop_revocations]


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
    large_bodies: re.Pattern[str] | None = None,
) -> FastAPI:
    all_handlers = service_handlers(handlers, tables, consume_session_revocations)
    on_startup, on_shutdown = with_shared_hooks(
        tables, settings, consume_session_revocations, on_startup, on_shutdown
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        db = Database(settings.database_url)
        bus = service_bus(settings)
        outbox = Outbox(tables.outbox, source=settings.service_name)
        relay = OutboxRelay(db, outbox, bus.publish_raw)
        app.state.settings, app.state.db, app.state.bus, app.state.outbox = settings, db, bus, outbox
        app.state.tables = tables
        app.state.verifier = TokenVerifier(
            settings.public_keys_pem(), issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        await connect_with_retry(bus)
        for hook in on_startup:
            await hook(app)
        relay.start()
        if all_handlers.by_type:
            await bus.start_consuming(all_handlers, db, tables.inbox, app.state)
        log.info("%s started on port %s", settings.service_name, settings.port)
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await relay.stop()
            await bus.close()
            await db.dispose()

    app = FastAPI(
        title=title,
        lifespan=lifespan,
        openapi_url=f"/api/{settings.service_name}/openapi.json",
        docs_url=f"/api/{settings.service_name}/docs",
        redoc_url=None,
        dependencies=[Depends(reject_invalid_characters)],
    )
    # What it consumes, known before it starts: shared.asyncapi.RECEIVERS is checked against it.
    app.state.event_handlers = all_handlers
    install_web_handlers(app, large_bodies)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    return app


def install_web_handlers(app: FastAPI, large_bodies: re.Pattern[str] | None) -> None:
    """Problem answers for every error, and the request context; `large_bodies`: the paths that may take a
    message's files (shared.middleware)."""
    install_problem_handlers(app)
    install_database_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, large_bodies=large_bodies)


async def connect_with_retry(bus: Bus | InMemoryBus, attempts: int = 30, delay: float = 1.0) -> None:
    for attempt in range(1, attempts + 1):
        try:
            await bus.connect()
            return
        except (ConnectionError, OSError) as exc:
            if attempt == attempts:
                raise
            log.warning("broker unreachable (%s), retrying", exc)
            await asyncio.sleep(delay)


class Liveness(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, bool]


def health_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health/live", response_model=Liveness)
    async def live() -> Liveness:
        return Liveness(status="live")

    @router.get("/health/ready", response_model=Readiness, responses={503: {"model": Readiness}})
    async def ready(request: Request) -> JSONResponse:
        checks = {"database": await request.app.state.db.ping(), "broker": request.app.state.bus.is_ready()}
        status = 200 if all(checks.values()) else 503
        return JSONResponse(
            {"status": "ready" if status == 200 else "not ready", "checks": checks}, status_code=status
        )

    @router.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.session() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(_session)]


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.read_session() as session:
        yield session


# For an endpoint that only reads: no transaction around its statements (shared.db.Database.read_sessionmaker).
ReadSession = Annotated[AsyncSession, Depends(_read_session)]


async def outbox_of(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.outbox
    return outbox


OutboxDep = Annotated[Outbox, Depends(outbox_of)]
