"""A local copy of devices, for what emails say about them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 17:30:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("serial", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("assigned_user_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("as_of", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_account_id"))
    op.drop_table("device")
