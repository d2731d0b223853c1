"""business-hours calendars: the demo's (ES-MD, ES, SE) and one per country of the accounts known, the accounts'
subdivision, and supervisors' assignments of calendars to accounts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 09:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from babel import Locale

import shared.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Monday to Friday 08:00-17:00 (SPEC F-12), as the calendars keep their weeks.
DEFAULT_WEEK = [[["08:00", "17:00"]]] * 5 + [[]] * 2
SEEDS = [
    ("ES", "Spain", "Europe/Madrid", "ES", None, ["public"]),
    ("ES-MD", "Spain (Madrid)", "Europe/Madrid", "ES", "ES-MD", ["public"]),
    # Swedish businesses also close on Midsummer Eve, Christmas Eve and New Year's Eve (`de_facto`).
    ("SE", "Sweden", "Europe/Stockholm", "SE", None, ["public", "de_facto"]),
]


def upgrade() -> None:
    calendars = op.create_table(
        "business_calendar",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("subdivision", sa.String(length=6), nullable=True),
        sa.Column("holiday_categories", sa.JSON(), nullable=False),
        sa.Column("weekly_hours", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "calendar_assignment",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("calendar_id", sa.String(length=20), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["calendar_id"], ["business_calendar.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("calendar_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_assignment_calendar_id"), ["calendar_id"], unique=False)
    op.create_table(
        "calendar_day",
        sa.Column("calendar_id", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["calendar_id"], ["business_calendar.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("calendar_id", "day"),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subdivision", sa.String(length=6), nullable=True))
    op.bulk_insert(calendars, seed_rows() + rows_for_known_accounts())


def calendar_row(
    calendar_id: str, name: str, time_zone: str, country: str, subdivision: str | None, categories: list[str]
) -> dict:
    return {
        "id": calendar_id,
        "name": name,
        "time_zone": time_zone,
        "country": country,
        "subdivision": subdivision,
        "holiday_categories": categories,
        "weekly_hours": DEFAULT_WEEK,
        "version": 1,
        "updated_at": datetime.now(UTC),
    }


def seed_rows() -> list[dict]:
    return [calendar_row(*seed) for seed in SEEDS]


def rows_for_known_accounts() -> list[dict]:
    """A calendar with the default hours for each other country of the accounts known, in the time zone most of
    its accounts are in, as the accounts arriving from now on get one."""
    account = sa.table("account", sa.column("country", sa.String), sa.column("time_zone", sa.String))
    found = op.get_bind().execute(
        sa.select(account.c.country, account.c.time_zone, sa.func.count())
        .group_by(account.c.country, account.c.time_zone)
        .order_by(sa.func.count(), account.c.time_zone.desc())
    )
    zones = {country: time_zone for country, time_zone, _count in found}  # the most common one comes last
    seeded = {seed[0] for seed in SEEDS}
    return [
        calendar_row(
            country, Locale("en").territories.get(country, country), time_zone, country, None, ["public"]
        )
        for country, time_zone in sorted(zones.items())
        if country not in seeded
    ]


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("subdivision")
    op.drop_table("calendar_day")
    with op.batch_alter_table("calendar_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_assignment_calendar_id"))
    op.drop_table("calendar_assignment")
    op.drop_table("business_calendar")
