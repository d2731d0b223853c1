"""Event handlers are registered before the app starts, but the outbox is created at startup:
this link is filled by a startup hook so handlers publish through the app's own outbox (and wake its relay)."""

from fastapi import FastAPI

from shared.outbox import Outbox


class OutboxLink:
    def __init__(self) -> None:
        self._outbox: Outbox | None = None

    async def attach(self, app: FastAPI) -> None:
        self._outbox = app.state.outbox

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            raise RuntimeError("the outbox is not attached yet")
        return self._outbox
