"""Handlers register by their event contract class and are called with a context and the validated data."""

import pytest

from shared.bus import EventHandlers, HandlerContext
from shared.events import EventData
from shared.events.cases import CaseCreated
from shared.events.meters import ReadingAccepted


def test_a_handler_is_registered_under_its_contracts_event_type():
    handlers = EventHandlers()

    @handlers.on(ReadingAccepted, when=lambda data: data.source != "automatic")
    async def email_reading_accepted(ctx: HandlerContext, data: ReadingAccepted) -> None: ...

    @handlers.on_batch(CaseCreated)
    async def count_cases(ctx: HandlerContext, items: list) -> None: ...

    [registered] = handlers.by_type["meters.reading.accepted"]
    assert registered.func is email_reading_accepted and not registered.takes_batches
    assert registered.name.endswith("email_reading_accepted")
    assert handlers.by_type["cases.case.created"][0].takes_batches


@pytest.mark.parametrize("not_a_contract", ["cases.case.created", EventData, int])
def test_registering_anything_but_a_registered_contract_class_is_refused(not_a_contract):
    handlers = EventHandlers()
    with pytest.raises(ValueError, match="not a registered event contract"):
        handlers.on(not_a_contract)
    with pytest.raises(ValueError, match="not a registered event contract"):
        handlers.on_batch(not_a_contract)
