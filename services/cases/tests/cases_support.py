"""Valid bodies of each request type and the events the vendor's systems send, for the tests."""

from datetime import UTC, date, datetime, timedelta

from shared.events import new_event
from shared.events.vendor import (
    ConsumableItem,
    CrmConsumableCatalogueUpserted,
    FieldserviceVisitUpdated,
    LogisticsShipmentUpdated,
)

MODEL = "imageRUNNER C3826i"
CATALOGUE = [
    ConsumableItem(sku="T-BK", kind="toner_black", name="Toner black", max_quantity_per_order=4),
    ConsumableItem(sku="T-CY", kind="toner_cyan", name="Toner cyan", max_quantity_per_order=2),
    ConsumableItem(sku="DRUM", kind="drum", name="Drum unit", max_quantity_per_order=1),
]


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def catalogue_event(items=CATALOGUE, model: str = MODEL, time: datetime | None = None):
    event = new_event(CrmConsumableCatalogueUpserted(model=model, items=list(items)), source="crm")
    return event.model_copy(update={"time": time}) if time else event


def shipment_event(case: dict, status: str, *, by_id: bool = False, at: datetime | None = None, **fields):
    reference = {"case_id": case["id"]} if by_id else {"case_number": case["number"]}
    return new_event(
        LogisticsShipmentUpdated(status=status, at=at or datetime.now(UTC), **reference, **fields),
        source="logistics",
    )


def visit_event(case: dict, status: str, *, at: datetime | None = None, **fields):
    return new_event(
        FieldserviceVisitUpdated(
            case_number=case["number"], status=status, at=at or datetime.now(UTC), **fields
        ),
        source="fieldservice",
    )


def consumables(device_id: str = "d1", **changes) -> dict:
    return {
        "type": "consumables",
        "device_id": device_id,
        "items": [{"sku": "T-BK", "quantity": 2}],
        "shipping": {"use_device_location": True},
        **changes,
    }


def relocation(device_id: str = "d1", **changes) -> dict:
    return {
        "type": "relocation",
        "device_id": device_id,
        "relocation": {
            "street": "Calle Mayor 1",
            "postal_code": "28013",
            "city": "Madrid",
            "country": "es",
            "building": "B",
            "floor": "3",
            "room": "301",
            "contact_name": "Lucía Pérez",
            "contact_phone": "+34 600 000 000",
            "preferred_date": in_days(10),
            "time_window": "morning",
            "network": {
                "ip_mode": "static",
                "ip_address": "10.0.0.20",
                "netmask": "255.255.255.0",
                "gateway": "10.0.0.1",
                "dns": ["10.0.0.2"],
                "hostname": "mfp-3",
            },
            **changes,
        },
    }


def removal(device_id: str = "d1", **changes) -> dict:
    return {
        "type": "removal",
        "device_id": device_id,
        "removal": {"date": in_days(5), "reason": "Contract ends", **changes},
    }


def inquiry(account_id: str = "acc-1", **changes) -> dict:
    return {
        "type": "account_inquiry",
        "account_id": account_id,
        "topic": "invoice",
        "subject": "Invoice 2026-03 twice",
        "description": "We were charged twice in March.",
        **changes,
    }
