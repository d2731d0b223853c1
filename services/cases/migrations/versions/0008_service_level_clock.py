"""the service-level clock of a case: from when less than an hour is left, whether it arrived outside business
hours, room for a resolution target, and the alerts sent about it, one per case and threshold

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("response_warning_at", shared.db.UtcDateTime(timezone=True), nullable=True)
        )
        # Cases from before the clock have no due time: none of them was received outside business hours.
        batch_op.add_column(
            sa.Column(
                "received_outside_business_hours", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column("resolution_due_at", shared.db.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_support_case_response_warning_at"), ["response_warning_at"], unique=False
        )
    op.create_table(
        "case_sla_alert",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("threshold", sa.String(length=20), nullable=False),
        sa.Column("sent_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "threshold"),
    )


def downgrade() -> None:
    op.drop_table("case_sla_alert")
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_case_response_warning_at"))
        batch_op.drop_column("resolution_due_at")
        batch_op.drop_column("received_outside_business_hours")
        batch_op.drop_column("response_warning_at")
