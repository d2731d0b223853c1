from fastapi import FastAPI

import accounts.models  # noqa: F401  (every mapped class, so relationships resolve)
from accounts.audit.views import router as audit_router
from accounts.auth.jwks import router as jwks_router
from accounts.auth.views import router as auth_router
from accounts.crm.handlers import handlers as crm_handlers
from accounts.customer_accounts.views import router as accounts_router
from accounts.database import tables
from accounts.devices.views import router as devices_router
from accounts.finance.handlers import handlers as finance_handlers
from accounts.finance.views import router as finance_router
from accounts.invitations.views import router as invitations_router
from accounts.members.views import router as members_router
from accounts.registrations.views import router as registrations_router
from accounts.settings import Settings
from accounts.users.views import router as profile_router
from shared.app import create_service_app
from shared.bus import EventHandlers


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    signing_key = settings.private_key_pem()  # refuses a production start without it
    settings.trust_own_signing_key()
    handlers = EventHandlers()
    handlers.include(crm_handlers)
    handlers.include(finance_handlers)
    app = create_service_app(
        settings=settings,
        title="Accounts",
        tables=tables,
        routers=[
            jwks_router,
            auth_router,
            profile_router,
            registrations_router,
            invitations_router,
            devices_router,
            accounts_router,
            members_router,
            audit_router,
            finance_router,
        ],
        handlers=handlers,
        # accounts is where sessions are revoked: it writes revoked_session itself.
        consume_session_revocations=False,
    )
    app.state.signing_key = signing_key
    return app
