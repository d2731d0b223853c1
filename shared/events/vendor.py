"""Events the vendor's systems publish on `canon.sync` (SPEC F-50). The business keys are the
vendor's: account number, device serial number, contact email."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.events.envelope import VENDOR_EXCHANGE, EventData

Language = Literal["en", "es", "sv"]
ModelClass = Literal["mono", "colour", "a3_colour"]
CustomerRole = Literal["administrator", "device_manager", "stock_manager", "device_stock_manager", "knowledge_user"]


class VendorEvent(EventData):
    exchange = VENDOR_EXCHANGE


class Address(BaseModel):
    model_config = ConfigDict(extra="ignore")
    street: str = Field(max_length=200)
    postal_code: str = Field("", max_length=20)
    city: str = Field(max_length=100)
    region: str = Field("", max_length=100)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")


class SiteLocation(BaseModel):
    model_config = ConfigDict(extra="ignore")
    building: str = Field("", max_length=100)
    floor: str = Field("", max_length=50)
    room: str = Field("", max_length=100)
    contact_name: str = Field("", max_length=200)
    contact_phone: str = Field("", max_length=50)


class CrmAccountUpserted(VendorEvent):
    event_type = "crm.account.upserted"
    account_number: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2)
    language: Language = "en"
    time_zone: str = Field("UTC", max_length=64)
    address: Address | None = None
    active: bool = True


class CrmProductUpserted(VendorEvent):
    event_type = "crm.product.upserted"
    account_number: str = Field(min_length=1, max_length=50)
    serial: str = Field(min_length=1, max_length=50)
    model: str = Field(min_length=1, max_length=100)
    model_class: ModelClass
    address: Address
    location: SiteLocation = SiteLocation()
    contract_number: str = Field("", max_length=50)
    response_time_hours: int = Field(8, ge=1, le=240)
    daily_volume: int = Field(200, ge=0, description="usual pages per day, for plausibility checks")


class CrmProductRemoved(VendorEvent):
    event_type = "crm.product.removed"
    serial: str = Field(min_length=1, max_length=50)


class CrmContactUpserted(VendorEvent):
    """A person at a customer account. `role` set means they should have portal access with that role;
    an administrator designated here receives an invitation (F-02)."""

    event_type = "crm.contact.upserted"
    account_number: str = Field(min_length=1, max_length=50)
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=50)
    language: Language = "en"
    role: CustomerRole | None = None
    device_serials: list[str] = []


class FleetMeterCollected(VendorEvent):
    event_type = "fleet.meter.collected"
    serial: str = Field(min_length=1, max_length=50)
    collected_at: datetime
    counters: dict[str, int]


class BillingMeterReadRequested(VendorEvent):
    event_type = "billing.meter_read.requested"
    request_id: str = Field(min_length=1, max_length=100)
    account_number: str
    serials: list[str] = Field(min_length=1)
    due_date: date
