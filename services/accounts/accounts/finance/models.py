"""Payment history and credit status of customer accounts, as the vendor's finance system reports them (F-41).

They live in `accounts`, the owner of customer accounts: finance events name an account by its number, which only
`accounts` resolves to the account, and it is where the vendor's staff look an account up. Vendor-only data: only
the staff's answers carry it (accounts.finance.views), never a customer's."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accounts.database import Base, new_id
from shared.db import UtcDateTime

MONEY = Numeric(14, 2)


class Payment(Base):
    """One payment received; the same account, invoice and time of payment is the same payment (a repeated event
    adds nothing, by this constraint)."""

    __tablename__ = "account_payment"
    __table_args__ = (UniqueConstraint("account_id", "invoice_number", "paid_at", name="uq_account_payment"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    invoice_number: Mapped[str] = mapped_column(String(50))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    method: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CreditStatusChange(Base):
    """The account's credit status history, one row per change the finance system reported (by its time)."""

    __tablename__ = "account_credit_status"
    __table_args__ = (UniqueConstraint("account_id", "at", name="uq_account_credit_status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    credit_limit: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
