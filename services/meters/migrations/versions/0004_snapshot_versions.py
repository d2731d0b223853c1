"""the copies of accounts, users and devices keep the version of the snapshot they hold

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# Rows from before have version 0: the first snapshot published after this change (1 and up) replaces them.
def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("user_copy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("user_copy", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("version")
