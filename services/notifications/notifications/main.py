from fastapi import FastAPI

from notifications.database import tables
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
    handlers.include(email_handlers)

    async def start_sender(app: FastAPI) -> None:
        postbox.renderer.warm_up()  # before the consumer starts
        app.state.postbox = postbox  # the email handlers' (ctx.resources.postbox)
        app.state.email_sender = EmailSender(app.state.db, settings, postbox.pending)
        app.state.email_sender.start()

    async def stop_sender(app: FastAPI) -> None:
        await app.state.email_sender.stop()

    return create_service_app(
        settings=settings,
        title="Notifications",
        tables=tables,
        routers=[deliveries_router],
        handlers=handlers,
        on_startup=[start_sender],
        on_shutdown=[stop_sender],
    )
