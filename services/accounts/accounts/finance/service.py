"""Reading an account's payment history and credit status (vendor-only, F-41)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.finance.models import CreditStatusChange


async def current_credit_status(session: AsyncSession, account_id: str) -> CreditStatusChange | None:
    """The latest change by the finance system's time; none while it has reported nothing."""
    return await session.scalar(
        select(CreditStatusChange)
        .where(CreditStatusChange.account_id == account_id)
        .order_by(CreditStatusChange.at.desc())
        .limit(1)
    )
