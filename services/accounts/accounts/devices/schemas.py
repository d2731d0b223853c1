"""Request and response schemas of devices."""

from pydantic import BaseModel, ConfigDict, Field

from shared.events.accounts import Location
from shared.events.vocabulary import DeviceAction


class DeviceItem(BaseModel):
    id: str
    account_id: str
    account_name: str
    serial: str
    model: str
    model_class: str
    counters: list[str]
    location: Location
    contract_number: str
    response_time_hours: int
    assigned_user_ids: list[str]
    allowed_actions: list[DeviceAction] = Field(
        default_factory=list, description="what the caller may do with the device, decided from their role"
    )


class StaffDeviceItem(DeviceItem):
    """Vendor-only: the usual daily volume used for plausibility checks."""

    daily_volume: int


class AssignedUser(BaseModel):
    user_id: str
    name: str


class AdminDeviceDetail(DeviceItem):
    """One device as the account's administrators see it: with the names of its assigned users."""

    assigned_users: list[AssignedUser]


class StaffDeviceDetail(StaffDeviceItem):
    assigned_users: list[AssignedUser]


# One device as the caller may see it: the vendor's staff, the account's administrators, anyone else.
DeviceDetail = StaffDeviceDetail | AdminDeviceDetail | DeviceItem


class LocationChange(BaseModel):
    """The fields to change; omitted ones stay as they are. The country comes from the vendor's CRM."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    street: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    building: str | None = Field(None, max_length=100)
    floor: str | None = Field(None, max_length=50)
    room: str | None = Field(None, max_length=100)
    contact_name: str | None = Field(None, max_length=200)
    contact_phone: str | None = Field(None, max_length=50)
