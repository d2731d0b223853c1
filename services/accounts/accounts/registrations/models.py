"""Self-registration (F-01): pending until the email is verified and an approver decides."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.customer_accounts.models import Account
from accounts.database import Base, new_id
from shared.db import UtcDateTime, utcnow

PENDING_VERIFICATION, AWAITING_APPROVAL, APPROVED, REFUSED = (
    "pending_verification",
    "awaiting_approval",
    "approved",
    "refused",
)


class Registration(Base):
    __tablename__ = "registration"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(30), default=PENDING_VERIFICATION, index=True)
    verification_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    verification_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    account: Mapped[Account] = relationship(lazy="selectin")
