"""the customers' verdict on resolved cases: one survey answer per case and follower, and the key that signs the
survey links

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("device_model", sa.String(length=100), nullable=True),
        sa.Column("agent_id", sa.String(length=36), nullable=True),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_survey_answer_rating"),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "user_id", name="uq_survey_answer_case_user"),
    )
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_answer_answered_at"), ["answered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_answer_case_id"), ["case_id"], unique=False)
    op.create_table(
        "survey_link_key",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("survey_link_key")
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answer_case_id"))
        batch_op.drop_index(batch_op.f("ix_survey_answer_answered_at"))
    op.drop_table("survey_answer")
