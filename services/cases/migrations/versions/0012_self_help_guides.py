"""self-help guides, their published versions and the customers' runs through them; what a case keeps of the
self-help tried before it, and whether it needs a technician

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guide",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "guide_version",
        sa.Column("guide_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("published_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["guide_id"], ["guide.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("guide_id", "version"),
    )
    op.create_table(
        "guide_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("guide_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("error_code", sa.String(length=50), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("current_step", sa.String(length=20), nullable=True),
        sa.Column("awaiting_case", sa.Boolean(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("started_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("solved_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.String(length=20), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["guide_id"], ["guide.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("guide_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_run_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_run_guide_id"), ["guide_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_run_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_run_solved_at"), ["solved_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_run_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_run_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_help", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("needs_technician", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.drop_column("needs_technician")
        batch_op.drop_column("self_help")
    op.drop_table("guide_run")
    op.drop_table("guide_version")
    op.drop_table("guide")
