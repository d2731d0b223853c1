"""Run a service with uvicorn on its configured host and port: `python -m <service>`."""

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.config import ServiceSettings


def serve(create_app: Callable[[ServiceSettings], FastAPI], settings: ServiceSettings) -> None:
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=False, proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
                timeout_graceful_shutdown=10)
