"""Readable case numbers `CS-<year>-<6 digits>`, unique and without gaps under concurrency.

One counter row per year is incremented by a single INSERT .. ON CONFLICT DO UPDATE .. RETURNING in the
creating transaction: on PostgreSQL the row stays locked until that transaction ends, so concurrent creators
queue behind it; SQLite serialises writers anyway. A rolled-back creation gives its number back."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cases.case.models import CaseNumberCounter
from shared.db import upsert_ignore


async def next_case_number(session: AsyncSession, at: datetime) -> str:
    table = CaseNumberCounter.__table__
    statement = (
        upsert_ignore(session, table)
        .values(year=at.year, last_value=1)
        .on_conflict_do_update(index_elements=[table.c.year], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    value = (await session.execute(statement)).scalar_one()
    return f"CS-{at.year}-{value:06d}"
