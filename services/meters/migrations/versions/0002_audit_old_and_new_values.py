"""audit entries keep the values before and after a change (the shared audit trail columns)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.alter_column("actor_id", existing_type=sa.String(length=36), type_=sa.String(length=64))
        batch_op.alter_column("action", existing_type=sa.String(length=50), type_=sa.String(length=64))
        batch_op.add_column(sa.Column("old_values", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("new_values", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("new_values")
        batch_op.drop_column("old_values")
        batch_op.alter_column("action", existing_type=sa.String(length=64), type_=sa.String(length=50))
        batch_op.alter_column("actor_id", existing_type=sa.String(length=64), type_=sa.String(length=36))
