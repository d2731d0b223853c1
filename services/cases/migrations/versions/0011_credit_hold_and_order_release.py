"""the local copy of accounts keeps their credit status; a consumables order may wait for an agent's release

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Copies made before this are in good standing until `accounts.credit_status.changed` says otherwise.
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credit_status", sa.String(length=10), nullable=False, server_default="good")
        )
        batch_op.add_column(
            sa.Column("credit_reason", sa.String(length=500), nullable=False, server_default="")
        )
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("awaiting_release", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("released_at", shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("released_by", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.drop_column("released_by")
        batch_op.drop_column("released_at")
        batch_op.drop_column("awaiting_release")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("credit_reason")
        batch_op.drop_column("credit_status")
