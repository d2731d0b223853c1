"""throttling counters replace the rows of failed logins

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 02:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_counter",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("window_start", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("throttle_counter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_throttle_counter_window_start"), ["window_start"], unique=False)
    # Failed logins of the last minutes are dropped: at worst a guesser gets one fresh window.
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failure_ip_at")
        batch_op.drop_index("ix_login_failure_email_at")
    op.drop_table("login_failure")


def downgrade() -> None:
    op.create_table(
        "login_failure",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=False),
        sa.Column("at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index("ix_login_failure_email_at", ["email", "at"], unique=False)
        batch_op.create_index("ix_login_failure_ip_at", ["client_ip", "at"], unique=False)
    with op.batch_alter_table("throttle_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_counter_window_start"))
    op.drop_table("throttle_counter")
