"""Invitations (F-02): a single-use link, valid 7 days, that lets an invited user set name and password.

One invitation per user and account (a database constraint, so two administrators inviting the same email
at the same moment yield one); inviting again after it expired or was cancelled renews that row."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accounts.database import Base, new_id
from shared.db import UtcDateTime, utcnow


class Invitation(Base):
    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("account_id", "user_id", name="uq_invitation_account_user"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=True
    )
    role: Mapped[str | None] = mapped_column(String(30), nullable=True)
    # The devices to assign on acceptance (F-02: "with a role and devices").
    device_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    invited_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > utcnow()
