"""departments' members and the routing rules, seeded with the department of each case type

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10 09:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Where each case type went before rules existed (cases.case.routing), as data: a migration does not follow
# later changes of the code.
SEEDED_RULES = {
    "incident": "technical_support",
    "consumables": "supplies",
    "relocation": "logistics",
    "removal": "logistics",
    "account_inquiry": "accounts",
}


def upgrade() -> None:
    op.create_table(
        "department_member",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("added_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department", "user_id", name="uq_department_member"),
    )
    op.create_index("ix_department_member_user_id", "department_member", ["user_id"])
    rules = op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("type", "category", name="uq_routing_rule"),
    )
    any_category = sa.text("category IS NULL")
    op.create_index(
        "uq_routing_rule_default",
        "routing_rule",
        ["type"],
        unique=True,
        postgresql_where=any_category,
        sqlite_where=any_category,
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        rules,
        [
            {
                "type": case_type,
                "category": None,
                "department": department,
                "updated_at": now,
                "updated_by": "system",
            }
            for case_type, department in SEEDED_RULES.items()
        ],
    )


def downgrade() -> None:
    op.drop_index("uq_routing_rule_default", table_name="routing_rule")
    op.drop_table("routing_rule")
    op.drop_index("ix_department_member_user_id", table_name="department_member")
    op.drop_table("department_member")
