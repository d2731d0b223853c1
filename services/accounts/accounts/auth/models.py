"""Server-side sessions (one per login, refreshed by rotation), throttling counters,
and single-use password reset tokens. Only hashes of tokens are stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accounts.database import Base, new_id
from shared.db import UtcDateTime, utcnow


class UserSession(Base):
    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    refresh_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token it replaced: presenting it again means it was copied, so the whole session is ended.
    previous_refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)


class ThrottleCounter(Base):
    """One throttling counter (see accounts.auth.throttle): attempts in the window that began at window_start."""

    __tablename__ = "throttle_counter"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    count: Mapped[int] = mapped_column(Integer)


class PasswordResetToken(Base):
    __tablename__ = "password_reset_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
