"""Which parts of an account's CRM data concern which role (F-34).

Administrators see every address and contact. The others see the head office and the general contacts, and
besides: whoever orders supplies (stock roles) the shipping addresses and the supplies contacts; whoever reports
problems (device roles) the sites and the technical contacts. Billing addresses and contacts concern the
administrators only (they alone ask about the account)."""

from typing import Any

from shared.events.vocabulary import CustomerRole, DeviceAction
from shared.permissions import DEVICE_ACTIONS_BY_ROLE

EVERYONE_ADDRESSES, EVERYONE_TOPICS = {"head_office"}, {"general"}
BY_ACTION = {
    DeviceAction.ORDER_SUPPLIES: ({"shipping"}, {"supplies"}),
    DeviceAction.REPORT_PROBLEM: ({"site"}, {"technical"}),
}


def concerns(role: str | None) -> tuple[set[str] | None, set[str] | None]:
    """(address kinds, contact topics) the role sees; None: all of them."""
    if role == CustomerRole.ADMINISTRATOR:
        return None, None
    kinds, topics = set(EVERYONE_ADDRESSES), set(EVERYONE_TOPICS)
    for action, (more_kinds, more_topics) in BY_ACTION.items():
        if action in DEVICE_ACTIONS_BY_ROLE.get(role or "", frozenset()):
            kinds |= more_kinds
            topics |= more_topics
    return kinds, topics


def parts_for(role: str | None, addresses: list[dict[str, Any]], contacts: list[dict[str, Any]]) -> dict:
    kinds, topics = concerns(role)
    return {
        "addresses": [a for a in addresses or [] if kinds is None or a.get("kind") in kinds],
        "contacts": [c for c in contacts or [] if topics is None or c.get("topic") in topics],
    }
