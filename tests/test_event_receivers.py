"""The event contract (F-51) names each service's receive operations: they are exactly the event types the
service's handlers are registered for, so the document served by the portal cannot drift from what runs."""

import importlib

import pytest

from shared.asyncapi import RECEIVERS, build


@pytest.mark.parametrize("service", ["accounts", "cases", "meters", "notifications"])
def test_the_contract_names_exactly_what_each_service_consumes(service):
    app = importlib.import_module(f"{service}.main").create_app()
    handled = sorted(app.state.event_handlers.by_type)
    assert sorted(RECEIVERS[service]) == handled, "update shared.asyncapi.RECEIVERS and docs/asyncapi.json"
    operations = build()["operations"]
    for event_type in handled:
        operation = operations[f"{service}_receives_{event_type.replace('.', '_')}"]
        assert operation["action"] == "receive"
        assert operation["channel"] == {"$ref": f"#/channels/{service}_events_queue"}


def test_every_event_type_is_sent_by_someone_and_every_vendor_event_is_received():
    document = build()
    received = {t for types in RECEIVERS.values() for t in types}
    for name, channel in document["channels"].items():
        if channel["bindings"]["amqp"]["is"] != "routingKey":
            continue
        assert document["operations"][name]["action"] == "send"
        if channel["bindings"]["amqp"]["exchange"]["name"] == "canon.sync":
            assert channel["address"] in received, f"nobody consumes {channel['address']}"
