"""A guide (its draft, and the version customers read), its published versions, and the runs through it."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.database import Base
from shared.db import UtcDateTime


class Guide(Base):
    """A troubleshooting guide. `draft` is what supervisors edit (the whole definition: category, models, error
    codes and the texts of the steps in each language, see cases.selfhelp.content); customers read the version
    `published_version` of it, never the draft."""

    __tablename__ = "guide"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GuideVersion(Base):
    """A published version of a guide, kept as it was: a run follows (and the cases it ends in quote) the version
    it started on, whatever is published after it."""

    __tablename__ = "guide_version"

    guide_id: Mapped[str] = mapped_column(ForeignKey("guide.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_by: Mapped[str] = mapped_column(String(36))


class GuideRun(Base):
    """One customer's way through one version of a guide. `outcome` stays null while the run is open (`current_step`
    is the step shown; `awaiting_case` once "not solved" led to a case that is not opened yet); `solved_at` is kept
    when a case for the same device and category later turns a solved run into an escalated one."""

    __tablename__ = "guide_run"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    guide_id: Mapped[str] = mapped_column(ForeignKey("guide.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(40))
    error_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    language: Mapped[str] = mapped_column(String(5))
    current_step: Mapped[str | None] = mapped_column(String(20), nullable=True)
    awaiting_case: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"step": key, "answer": "solved" | "not_solved"}], in the order answered.
    steps: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)  # GuideRunOutcome
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    solved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The step where an abandoned run stopped.
    last_step: Mapped[str | None] = mapped_column(String(20), nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
