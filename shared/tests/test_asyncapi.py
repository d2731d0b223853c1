from pathlib import Path

from shared.asyncapi import build, render
from shared.events import REGISTRY

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def test_the_committed_contract_matches_the_code():
    assert DOCUMENT.read_text() == render(), "regenerate: python -m shared.asyncapi > docs/asyncapi.json"


def test_every_event_type_has_a_channel_on_its_exchange_and_a_schema():
    document = build()
    for event_type, model in REGISTRY.items():
        channel = document["channels"][event_type.replace(".", "_")]
        assert channel["address"] == event_type
        assert channel["bindings"]["amqp"]["exchange"]["name"] == model.exchange
        assert event_type.replace(".", "_") in document["components"]["schemas"]
