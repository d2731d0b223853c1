"""the local copy of users keeps their email address and phone, for the agent's side panel

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Copies made before this arrive without them: empty until the user's next `accounts.user.upserted`.
    with op.batch_alter_table("user_copy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("phone", sa.String(length=50), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("user_copy", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("email")
