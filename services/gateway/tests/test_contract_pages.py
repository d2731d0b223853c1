"""F-51: the running portal serves its event contract, the same document as the repository's, and a readable
page of it in the visitor's language, to anyone (it holds no data, only the events' shapes)."""

import json
from pathlib import Path

import pytest

from shared.events import REGISTRY

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


async def test_the_contract_is_the_committed_document(gateway):
    answer = await gateway.get("/docs/asyncapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == json.loads(DOCUMENT.read_text())


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Event contracts"), ("es", "Contratos de eventos"), ("sv", "Händelsekontrakt")],
)
async def test_the_readable_page_lists_every_event_type_with_its_receivers(gateway, language, title):
    answer = await gateway.get("/docs/asyncapi", headers={"Accept-Language": language})
    assert answer.status_code == 200
    html = answer.text
    assert f"<h1>{title}</h1>" in html
    for event_type in REGISTRY:
        assert f'id="{event_type}"' in html, event_type
    payment = html.split('id="finance.payment.recorded"', 1)[1].split("</article>", 1)[0]
    assert "accounts.events" in payment and "invoice_number" in payment
