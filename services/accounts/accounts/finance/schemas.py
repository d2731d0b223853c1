"""Staff-only response schemas of the finance data (F-41): no customer answer is built from them."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.paging import Page


class StaffPaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    invoice_number: str
    amount: Decimal
    currency: str
    paid_at: datetime
    method: str


class StaffCreditStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str = Field(description="good, watch or hold")
    credit_limit: Decimal | None
    currency: str | None
    reason: str
    at: datetime = Field(description="when the finance system changed it")


class StaffAccountFinance(BaseModel):
    """An account's finance as the vendor's staff see it: the current credit status (none until the finance
    system reports one), its history (the newest first) and a page of payments (the newest first)."""

    account_id: str
    credit_status: StaffCreditStatusOut | None
    credit_history: list[StaffCreditStatusOut]
    payments: Page[StaffPaymentOut]
