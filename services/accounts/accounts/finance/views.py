"""The vendor's staff read an account's payment history and credit status (F-41). Staff only: a customer of any
role gets 403, and no customer answer carries these schemas."""

from fastapi import APIRouter
from sqlalchemy import select

from accounts.customer_accounts.models import Account
from accounts.finance.models import CreditStatusChange, Payment
from accounts.finance.schemas import StaffAccountFinance, StaffCreditStatusOut, StaffPaymentOut
from shared.app import DbSession
from shared.auth import StaffUser
from shared.errors import not_found
from shared.paging import Paging, count_of

router = APIRouter(prefix="/api/accounts/v1", tags=["finance"])
HISTORY_SHOWN = 100


@router.get("/accounts/{account_id}/finance", response_model=StaffAccountFinance)
async def account_finance(
    account_id: str, _staff: StaffUser, session: DbSession, paging: Paging
) -> StaffAccountFinance:
    if await session.get(Account, account_id) is None:
        raise not_found("account")
    history = (
        await session.scalars(
            select(CreditStatusChange)
            .where(CreditStatusChange.account_id == account_id)
            .order_by(CreditStatusChange.at.desc())
            .limit(HISTORY_SHOWN)
        )
    ).all()
    payments = select(Payment).where(Payment.account_id == account_id)
    rows = (
        await session.scalars(paging.of(payments.order_by(Payment.paid_at.desc(), Payment.invoice_number)))
    ).all()
    credit = [StaffCreditStatusOut.model_validate(row) for row in history]
    return StaffAccountFinance(
        account_id=account_id,
        credit_status=credit[0] if credit else None,
        credit_history=credit,
        payments=paging.page(
            [StaffPaymentOut.model_validate(row) for row in rows], await count_of(session, payments)
        ),
    )
