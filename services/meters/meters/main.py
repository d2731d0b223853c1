from fastapi import FastAPI

from meters.database import tables
from meters.devices.handlers import handlers as device_handlers
from meters.readings.views import router as readings_router
from meters.settings import Settings
from shared.app import create_service_app
from shared.bus import EventHandlers


def create_app(settings: Settings | None = None) -> FastAPI:
    handlers = EventHandlers()
    handlers.include(device_handlers)
    return create_service_app(settings=settings or Settings(), title="Meters", tables=tables,
                              routers=[readings_router], handlers=handlers)
