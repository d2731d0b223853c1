"""periodic jobs claim each period once across replicas (the retention of the outbox and the inbox)

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "periodic_job",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("period", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("job"),
    )


def downgrade() -> None:
    op.drop_table("periodic_job")
