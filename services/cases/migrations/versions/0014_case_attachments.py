"""files sent with a case's messages and internal notes, kept with the message

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:40:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["case_message.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_attachment_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_attachment_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_attachment_message_id"))
        batch_op.drop_index(batch_op.f("ix_case_attachment_case_id"))
    op.drop_table("case_attachment")
