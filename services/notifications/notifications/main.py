import asyncio

from fastapi import FastAPI

from notifications.database import tables
from notifications.devices.handlers import handlers as device_handlers
from notifications.emails.handlers import handlers as email_handlers
from notifications.emails.postbox import Postbox
from notifications.emails.render import EmailRenderer
from notifications.emails.sender import EmailSender
from notifications.emails.views import router as deliveries_router
from notifications.recipients.handlers import handlers as recipient_handlers
from notifications.settings import Settings
from shared.app import create_service_app
from shared.bus import EventHandlers


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    postbox = Postbox(EmailRenderer(settings.public_url), settings.mail_from)
    handlers = EventHandlers()
    handlers.include(recipient_handlers)
    handlers.include(device_handlers)
    handlers.include(email_handlers)

    async def start_sender(app: FastAPI) -> None:
        postbox.renderer.warm_up()  # before the consumer starts
        app.state.postbox = postbox  # the email handlers' (ctx.resources.postbox)
        # Several senders share the due emails as replicas do (FOR UPDATE SKIP LOCKED); SQLite has no such
        # lock, so there one sender works alone. The first is woken by each commit, the others by its backlog.
        count = 1 if app.state.db.is_sqlite else settings.email_connections
        backlog = asyncio.Event()
        app.state.email_senders = [
            EmailSender(app.state.db, settings, postbox.pending, backlog=backlog if count > 1 else None),
            *(EmailSender(app.state.db, settings, backlog) for _ in range(count - 1)),
        ]
        for sender in app.state.email_senders:
            sender.start()

    async def stop_sender(app: FastAPI) -> None:
        for sender in app.state.email_senders:
            await sender.stop()

    return create_service_app(
        settings=settings,
        title="Notifications",
        tables=tables,
        routers=[deliveries_router],
        handlers=handlers,
        on_startup=[start_sender],
        on_shutdown=[stop_sender],
    )
