"""Request and response schemas of customer accounts."""

from pydantic import BaseModel, Field

from accounts.finance.schemas import StaffCreditStatusOut


class AccountAddressOut(BaseModel):
    kind: str = Field(description="head_office, billing, shipping or site")
    label: str = ""
    street: str
    postal_code: str = ""
    city: str
    region: str = ""
    country: str


class AccountContactOut(BaseModel):
    name: str
    topic: str = Field(description="general, billing, technical or supplies")
    function: str = ""
    email: str | None = None
    phone: str = ""


class AccountOut(BaseModel):
    """The account as a member sees it (F-34): administrators every address and contact the CRM sent, the other
    roles those that concern them (`accounts.customer_accounts.service.concerns`)."""

    id: str
    number: str
    name: str
    country: str
    language: str
    time_zone: str
    addresses: list[AccountAddressOut] = Field(default_factory=list)
    contacts: list[AccountContactOut] = Field(default_factory=list)


class StaffAccountOut(AccountOut):
    """Vendor-only: with the main address, the region, whether the CRM still has it active and the account's
    current credit status (F-41; none until the finance system reports one)."""

    street: str
    postal_code: str
    city: str
    region: str
    subdivision: str | None = None
    active: bool
    credit_status: StaffCreditStatusOut | None = None
