"""Events the vendor's systems publish on `canon.sync` (SPEC F-50). The business keys are the
vendor's: account number, device serial number, contact email."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from shared.events.envelope import VENDOR_EXCHANGE, EventData
from shared.events.vocabulary import CustomerRole

Language = Literal["en", "es", "sv"]
ModelClass = Literal["mono", "colour", "a3_colour"]


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


AddressKind = Literal["head_office", "billing", "shipping", "site"]
ContactTopic = Literal["general", "billing", "technical", "supplies"]


class AccountAddress(Address):
    """One of the account's addresses as the CRM keeps it: what it is for decides who sees it (F-34)."""

    kind: AddressKind
    label: str = Field("", max_length=100, description="the CRM's own name for it, e.g. a branch")


class AccountContact(BaseModel):
    """A person the vendor deals with at the account, and what about (F-34); not necessarily a portal user."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=200)
    topic: ContactTopic
    function: str = Field("", max_length=100, description="e.g. Purchasing, Accounts payable")
    email: EmailStr | None = None
    phone: str = Field("", max_length=50)


class CrmAccountUpserted(VendorEvent):
    """An account as the CRM knows it. `addresses` and `contacts` are the CRM's whole current lists (each event
    replaces them); `address` is the main address the business-hours and device defaults use."""

    event_type = "crm.account.upserted"
    account_number: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2)
    # Where regional holidays differ (F-12): the ISO 3166-2 code of the account's region in its country.
    subdivision: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$", description="ISO 3166-2, e.g. ES-MD"
    )
    language: Language = "en"
    time_zone: str = Field("UTC", max_length=64)
    address: Address | None = None
    addresses: list[AccountAddress] = Field(default_factory=list, max_length=50)
    contacts: list[AccountContact] = Field(default_factory=list, max_length=100)
    active: bool = True

    @model_validator(mode="after")
    def subdivision_of_the_country(self) -> "CrmAccountUpserted":
        if self.subdivision and self.subdivision[:2].upper() != self.country.upper():
            raise ValueError(f"subdivision: {self.subdivision} is not in the country {self.country}")
        return self


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
    device_serials: list[str] = Field(default_factory=list)


TonerColour = Literal["black", "cyan", "magenta", "yellow"]
TonerPercent = Annotated[int, Field(ge=0, le=100)]


class FleetMeterCollected(VendorEvent):
    """An automatic reading (F-24); a device that reports one is online. `toner`: the level in percent of each
    colour, where the fleet software reads it (older devices send none)."""

    event_type = "fleet.meter.collected"
    serial: str = Field(min_length=1, max_length=50)
    collected_at: datetime
    counters: dict[str, int]
    toner: dict[TonerColour, TonerPercent] | None = None


class FleetDeviceOffline(VendorEvent):
    """The fleet software lost contact with a device at `since` (the start of the outage)."""

    event_type = "fleet.device.offline"
    serial: str = Field(min_length=1, max_length=50)
    since: datetime


class FleetDeviceOnline(VendorEvent):
    """A device the fleet software had lost is reporting again, since `at`."""

    event_type = "fleet.device.online"
    serial: str = Field(min_length=1, max_length=50)
    at: datetime


class FleetTonerLow(VendorEvent):
    """A device reports a toner colour running low, at `level_percent` (sent again while it stays low)."""

    event_type = "fleet.toner.low"
    serial: str = Field(min_length=1, max_length=50)
    colour: TonerColour
    level_percent: TonerPercent
    at: datetime


class BillingMeterReadRequested(VendorEvent):
    event_type = "billing.meter_read.requested"
    request_id: str = Field(min_length=1, max_length=100)
    account_number: str
    serials: list[str] = Field(min_length=1)
    due_date: date


ConsumableKind = Literal[
    "toner_black", "toner_cyan", "toner_magenta", "toner_yellow", "drum", "waste_toner_box", "staples"
]


class ConsumableItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sku: str = Field(min_length=1, max_length=50)
    kind: ConsumableKind
    name: str = Field(min_length=1, max_length=200)
    max_quantity_per_order: int = Field(ge=1, le=1000, description="the contract's limit per order")


class CrmConsumableCatalogueUpserted(VendorEvent):
    """The full consumables catalogue of one device model (F-30); each event replaces the previous one."""

    event_type = "crm.consumable_catalogue.upserted"
    model: str = Field(min_length=1, max_length=100)
    items: list[ConsumableItem] = Field(max_length=200)

    @model_validator(mode="after")
    def skus_are_unique(self) -> "CrmConsumableCatalogueUpserted":
        skus = [item.sku for item in self.items]
        if len(skus) != len(set(skus)):
            raise ValueError("items: a sku appears more than once")
        return self


class CaseReference(VendorEvent):
    """A vendor system's update about a portal case, named by its number or its id (at least one)."""

    case_number: str | None = Field(None, max_length=20)
    case_id: str | None = Field(None, max_length=36)

    @model_validator(mode="after")
    def names_a_case(self) -> "CaseReference":
        if not (self.case_number or self.case_id):
            raise ValueError("case_number or case_id is required")
        return self


class LogisticsShipmentUpdated(CaseReference):
    """Progress of a consumables order (F-30): accepted, shipped (with a tracking reference), delivered."""

    event_type = "logistics.shipment.updated"
    status: Literal["accepted", "shipped", "delivered"]
    tracking_reference: str | None = Field(None, max_length=100)
    carrier: str | None = Field(None, max_length=100)
    at: datetime


class FieldserviceVisitUpdated(CaseReference):
    """Progress of a technician's visit for a relocation, removal or incident (F-32)."""

    event_type = "fieldservice.visit.updated"
    status: Literal["scheduled", "on_site", "done"]
    scheduled_for: datetime | None = None
    technician: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=2000)
    at: datetime


PaymentMethod = Literal["bank_transfer", "direct_debit", "card", "cheque", "cash", "other"]
CreditStatus = Literal["good", "watch", "hold"]
Currency = str  # ISO 4217, three capital letters (checked by the field's pattern)


class FinancePaymentRecorded(VendorEvent):
    """A payment the vendor's finance system received from a customer account (F-41). Vendor-only data: it is
    shown to the vendor's staff and never to any customer role. The same payment sent again (same account,
    invoice and time of payment) changes nothing."""

    event_type = "finance.payment.recorded"
    account_number: str = Field(min_length=1, max_length=50)
    invoice_number: str = Field(min_length=1, max_length=50)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: Currency = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    paid_at: AwareDatetime
    method: PaymentMethod


class FinanceCreditStatusChanged(VendorEvent):
    """The account's credit standing in the vendor's finance system (F-41): `good`, `watch` (payments are
    followed closely) or `hold` (consumables orders wait for an agent's release). Vendor-only data. An older
    change arriving after a newer one joins the history without replacing the current status."""

    event_type = "finance.credit_status.changed"
    account_number: str = Field(min_length=1, max_length=50)
    status: CreditStatus
    credit_limit: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: Currency | None = Field(None, pattern=r"^[A-Z]{3}$", description="ISO 4217, of the limit")
    reason: str = Field("", max_length=500)
    at: AwareDatetime

    @model_validator(mode="after")
    def a_limit_has_a_currency(self) -> "FinanceCreditStatusChanged":
        if self.credit_limit is not None and self.currency is None:
            raise ValueError("currency: required with credit_limit")
        return self
