"""The customers' verdict on resolved cases (F-15): one answer per case and follower, kept by the database."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.database import Base
from shared.db import UtcDateTime


class SurveyAnswer(Base):
    """A follower's rating of a resolved case, 1 to 5, with an optional comment. What the results are grouped by
    is kept as it was when they answered: the case's department, its device's model and the agent who worked it."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id", name="uq_survey_answer_case_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_survey_answer_rating"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(36))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    department: Mapped[str] = mapped_column(String(40))
    device_model: Mapped[str | None] = mapped_column(String(100), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class SurveyLinkKey(Base):
    """The secret that signs the survey links (one row): made by the first resolution that needs it and shared by
    every replica through the database, so there is nothing to configure and nothing to leak from a setting."""

    __tablename__ = "survey_link_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
