"""the fleet's view of each device: online state and outages with the case an outage opened, toner levels, and
the Stock Manager's shipping instructions and stock on site, with the delivered orders counted into it; devices
found by serial

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_connection",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("changed_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("outage_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_table(
        "device_outage",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("started_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "started_at", name="uq_device_outage_start"),
    )
    with op.batch_alter_table("device_outage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_outage_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_device_outage_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_device_outage_started_at"), ["started_at"], unique=False)
    op.create_table(
        "device_outage_case",
        sa.Column("outage_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("opened_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outage_id"], ["device_outage.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outage_id"),
        sa.UniqueConstraint("case_id"),
    )
    op.create_table(
        "toner_level",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("colour", sa.String(length=10), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("low_signal", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "colour", "at", name="uq_toner_level"),
    )
    with op.batch_alter_table("toner_level", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_toner_level_device_id"), ["device_id"], unique=False)
    op.create_table(
        "shipping_instructions",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_table(
        "onsite_stock",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("sku", sa.String(length=50), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="ck_onsite_stock_not_negative"),
        sa.PrimaryKeyConstraint("device_id", "sku"),
    )
    op.create_table(
        "stock_receipt",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_serial"), ["serial"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_serial"))
    op.drop_table("stock_receipt")
    op.drop_table("onsite_stock")
    op.drop_table("shipping_instructions")
    with op.batch_alter_table("toner_level", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_toner_level_device_id"))
    op.drop_table("toner_level")
    op.drop_table("device_outage_case")
    with op.batch_alter_table("device_outage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_outage_started_at"))
        batch_op.drop_index(batch_op.f("ix_device_outage_device_id"))
        batch_op.drop_index(batch_op.f("ix_device_outage_account_id"))
    op.drop_table("device_outage")
    op.drop_table("device_connection")
