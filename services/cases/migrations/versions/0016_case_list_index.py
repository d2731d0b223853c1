"""an account's cases are indexed newest first, as its lists read them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 22:40:00
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# The new index starts with the account: it replaces the index on the account alone.
def upgrade() -> None:
    op.create_index(
        "ix_support_case_account_newest", "support_case", ["account_id", "created_at", "number"], unique=False
    )
    op.drop_index("ix_support_case_account_id", table_name="support_case")


def downgrade() -> None:
    op.create_index("ix_support_case_account_id", "support_case", ["account_id"], unique=False)
    op.drop_index("ix_support_case_account_newest", table_name="support_case")
