"""Answers and requests of the fleet's views: offline devices, toner forecasts, stock and shipping instructions."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cases.case.schemas import Instructions


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OfflineDeviceOut(BaseModel):
    device_id: str
    serial: str
    model: str
    offline_since: datetime
    guide_path: str


class OfflineDevicesOut(BaseModel):
    items: list[OfflineDeviceOut]


class TonerOut(BaseModel):
    """One colour: its latest level, days to empty with a range (none while there is not enough data yet), the
    catalogue item that refills it with how many are on site, and whether to suggest ordering it."""

    colour: str
    level: int | None
    reported_at: datetime | None
    enough_data: bool
    days: int | None
    days_min: int | None
    days_max: int | None
    low: bool
    sku: str | None
    item_name: str | None
    on_site: int
    days_with_stock: int | None
    order_open: bool
    suggest_order: bool


class StockOut(BaseModel):
    sku: str
    name: str
    kind: str
    quantity: int


class DeviceSuppliesOut(BaseModel):
    device_id: str
    serial: str
    model: str
    shipping_instructions: str
    may_change: bool
    toners: list[TonerOut]
    stock: list[StockOut]


class SuppliesOut(BaseModel):
    items: list[DeviceSuppliesOut]


class InstructionsIn(Strict):
    instructions: Instructions


class InstructionsOut(BaseModel):
    device_id: str
    instructions: str


class StockUsedIn(Strict):
    quantity: int = Field(ge=1, le=1000)


class StockCountIn(Strict):
    quantity: int = Field(ge=0, le=10000)
