"""A service's own process freezes what its startup built, after its lifespan has started and without changing it."""

import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.serve import freeze_heap_after_startup


def test_the_heap_is_frozen_once_the_app_has_started_and_its_lifespan_still_runs():
    events: list[tuple[str, int | None]] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        events.append(("started", gc.get_freeze_count()))
        yield {"built_at_startup": object()}
        events.append(("stopped", None))

    app = FastAPI(lifespan=lifespan)
    freeze_heap_after_startup(app)
    gc.unfreeze()
    try:
        with TestClient(app):
            frozen = gc.get_freeze_count()
        assert events == [("started", 0), ("stopped", None)]
        assert frozen > 0
    finally:
        gc.unfreeze()
