"""Run a service with uvicorn on its configured host and port: `python -m <service>`."""

from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from shared.config import ServiceSettings


def server_options(settings: ServiceSettings) -> dict[str, Any]:
    """How every service is served (the benchmarks' bare ASGI ceiling uses the same)."""
    return {"host": settings.host, "port": settings.port, "log_config": None, "access_log": False,
            "proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips,
            "timeout_graceful_shutdown": 10}


def serve(create_app: Callable[[ServiceSettings], FastAPI], settings: ServiceSettings) -> None:
    uvicorn.run(create_app(settings), **server_options(settings))
