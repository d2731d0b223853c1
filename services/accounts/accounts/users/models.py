"""Users (customers and vendor staff) and their memberships in customer accounts."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.customer_accounts.models import Account
from accounts.database import Base, new_id
from shared.db import UtcDateTime, utcnow
from shared.events.vocabulary import NotificationKind

NOTIFICATION_KINDS = tuple(kind.value for kind in NotificationKind)


def default_notification_preferences() -> dict[str, bool]:
    return {kind: True for kind in NOTIFICATION_KINDS}


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Stored lower-cased: the unique constraint is then case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    notification_preferences: Mapped[dict[str, bool]] = mapped_column(
        JSON, default=default_notification_preferences
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Raised with every published snapshot (accounts.database.next_version): the copies keep the newest.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def can_log_in(self) -> bool:
        return self.active and self.email_verified and self.password_hash is not None

    @property
    def active_memberships(self) -> list["Membership"]:
        """The memberships that give access (a deactivated one is kept for the account's user list)."""
        return [m for m in self.memberships if m.active]

    def role_in(self, account_id: str) -> str | None:
        return next((m.role for m in self.active_memberships if m.account_id == account_id), None)

    def membership_in(self, account_id: str) -> "Membership | None":
        return next((m for m in self.memberships if m.account_id == account_id), None)


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    # Deactivated by an administrator (F-34): no access to the account, still listed among its users.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    user: Mapped[User] = relationship(back_populates="memberships")
    account: Mapped[Account] = relationship(lazy="selectin")
