from fastapi import FastAPI

from cases.calendars.handlers import handlers as calendar_handlers
from cases.calendars.views import router as calendars_router
from cases.case.alerts import sla_alert_hooks
from cases.case.jobs import auto_close_hooks
from cases.case.views import router as cases_router
from cases.catalogue.handlers import handlers as catalogue_handlers
from cases.catalogue.views import router as catalogue_router
from cases.database import tables
from cases.departments.views import router as departments_router
from cases.directory.handlers import handlers as directory_handlers
from cases.fleet.handlers import handlers as fleet_handlers
from cases.fleet.jobs import offline_case_hooks
from cases.fleet.views import router as fleet_router
from cases.fulfilment.handlers import handlers as fulfilment_handlers
from cases.queue.views import router as queue_router
from cases.reports.views import router as reports_router
from cases.selfhelp.jobs import abandon_hooks
from cases.selfhelp.views import router as selfhelp_router
from cases.settings import Settings
from cases.surveys.views import router as surveys_router
from shared.app import create_service_app
from shared.bus import EventHandlers


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    handlers = EventHandlers()
    handlers.include(directory_handlers)
    handlers.include(catalogue_handlers)
    handlers.include(fulfilment_handlers)
    handlers.include(calendar_handlers)
    handlers.include(fleet_handlers)
    start_auto_close, stop_auto_close = auto_close_hooks(settings)
    start_alerts, stop_alerts = sla_alert_hooks(settings)
    start_abandon, stop_abandon = abandon_hooks(settings)
    start_offline_cases, stop_offline_cases = offline_case_hooks(settings)
    return create_service_app(
        settings=settings,
        title="Cases",
        tables=tables,
        routers=[
            cases_router,
            catalogue_router,
            departments_router,
            calendars_router,
            queue_router,
            reports_router,
            surveys_router,
            selfhelp_router,
            fleet_router,
        ],
        handlers=handlers,
        on_startup=[start_auto_close, start_alerts, start_abandon, start_offline_cases],
        on_shutdown=[stop_auto_close, stop_alerts, stop_abandon, stop_offline_cases],
    )
