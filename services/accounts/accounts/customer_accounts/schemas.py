"""Request and response schemas of customer accounts."""

from pydantic import BaseModel


class AccountOut(BaseModel):
    id: str
    number: str
    name: str
    country: str
    language: str
    time_zone: str


class StaffAccountOut(AccountOut):
    street: str
    postal_code: str
    city: str
    region: str
    subdivision: str | None = None
    active: bool
