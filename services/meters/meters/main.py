from fastapi import FastAPI

from meters.database import tables
from meters.devices.handlers import handlers as device_handlers
from meters.readings.handlers import handlers as fleet_handlers
from meters.readings.views import router as readings_router
from meters.requests.handlers import handlers as billing_handlers
from meters.requests.jobs import reminder_hooks
from meters.requests.views import router as requests_router
from meters.settings import Settings
from shared.app import create_service_app
from shared.bus import EventHandlers


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    handlers = EventHandlers()
    handlers.include(device_handlers)
    handlers.include(fleet_handlers)
    handlers.include(billing_handlers)
    start_reminders, stop_reminders = reminder_hooks(settings)
    return create_service_app(
        settings=settings,
        title="Meters",
        tables=tables,
        routers=[readings_router, requests_router],
        handlers=handlers,
        on_startup=[start_reminders],
        on_shutdown=[stop_reminders],
    )
