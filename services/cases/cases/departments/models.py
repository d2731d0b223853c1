"""Departments (the fixed set of `Department`) with the staff who work in each, and the routing rules that
send a new case to one of them (F-10, F-42)."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from cases.database import Base
from shared.db import UtcDateTime

ANY_CATEGORY = text("category IS NULL")


class DepartmentMember(Base):
    """A staff user working in a department; an agent may work in several."""

    __tablename__ = "department_member"
    __table_args__ = (UniqueConstraint("department", "user_id", name="uq_department_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_by: Mapped[str] = mapped_column(String(64))


class RoutingRule(Base):
    """Cases of this type (and of this category; none: of any category) go to this department. Each type has
    one rule of any category, its default, which may be changed but not deleted."""

    __tablename__ = "routing_rule"
    __table_args__ = (
        UniqueConstraint("type", "category", name="uq_routing_rule"),
        # A unique constraint lets NULLs repeat: the one default rule of a type needs an index of its own.
        Index(
            "uq_routing_rule_default",
            "type",
            unique=True,
            postgresql_where=ANY_CATEGORY,
            sqlite_where=ANY_CATEGORY,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    department: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))

    @property
    def is_default(self) -> bool:
        return self.category is None
