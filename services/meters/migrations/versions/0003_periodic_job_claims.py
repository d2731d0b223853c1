"""periodic jobs claim each period once across replicas

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
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
