"""payment history and credit status of accounts (vendor-only); the CRM's addresses and contacts of an account

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Accounts from before arrive without the lists: empty until the CRM's next `crm.account.upserted`.
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("addresses", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("contacts", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "account_payment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_number", sa.String(length=50), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "invoice_number", "paid_at", name="uq_account_payment"),
    )
    op.create_index("ix_account_payment_account_id", "account_payment", ["account_id"])
    op.create_index("ix_account_payment_paid_at", "account_payment", ["paid_at"])
    op.create_table(
        "account_credit_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "at", name="uq_account_credit_status"),
    )
    op.create_index("ix_account_credit_status_account_id", "account_credit_status", ["account_id"])
    op.create_index("ix_account_credit_status_at", "account_credit_status", ["at"])


def downgrade() -> None:
    op.drop_table("account_credit_status")
    op.drop_table("account_payment")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("contacts")
        batch_op.drop_column("addresses")
