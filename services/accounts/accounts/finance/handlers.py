"""The vendor's finance system keeps the payment history and the credit status of accounts (F-41, F-50).

Idempotent twice over: the inbox drops a redelivered event, and a new event repeating a payment or a status
change already kept (same account, invoice and time of payment; same account and time of change) changes nothing
and publishes nothing. An account the CRM has not sent yet is retried, then parked with the reason."""

from sqlalchemy import select

from accounts.audit.service import record
from accounts.crm.handlers import account_by_number
from accounts.finance.models import CreditStatusChange, Payment
from accounts.finance.service import current_credit_status
from shared.bus import EventHandlers, HandlerContext
from shared.db import utcnow
from shared.events.accounts import AccountCreditStatusChanged
from shared.events.vendor import FinanceCreditStatusChanged, FinancePaymentRecorded

FINANCE = "system:finance"
handlers = EventHandlers()


@handlers.on(FinancePaymentRecorded)
async def keep_payment(ctx: HandlerContext, data: FinancePaymentRecorded) -> None:
    session = ctx.session
    account = await account_by_number(session, data.account_number)
    known = await session.scalar(
        select(Payment.id).where(
            Payment.account_id == account.id,
            Payment.invoice_number == data.invoice_number,
            Payment.paid_at == data.paid_at,
        )
    )
    if known is not None:
        return
    payment = Payment(
        account_id=account.id,
        invoice_number=data.invoice_number,
        amount=data.amount,
        currency=data.currency,
        paid_at=data.paid_at,
        method=data.method,
        recorded_at=utcnow(),
    )
    session.add(payment)
    await session.flush()
    # Filed under no customer account's trail: the account's administrators read that one, and payments are
    # vendor-only. The staff find it by the payment and the account number.
    record(
        session,
        FINANCE,
        "payment.recorded",
        "payment",
        payment.id,
        account_number=account.number,
        invoice_number=data.invoice_number,
    )


@handlers.on(FinanceCreditStatusChanged)
async def keep_credit_status(ctx: HandlerContext, data: FinanceCreditStatusChanged) -> None:
    session = ctx.session
    account = await account_by_number(session, data.account_number)
    known = await session.scalar(
        select(CreditStatusChange.id).where(
            CreditStatusChange.account_id == account.id, CreditStatusChange.at == data.at
        )
    )
    if known is not None:
        return
    before = await current_credit_status(session, account.id)
    change = CreditStatusChange(
        account_id=account.id,
        status=data.status,
        credit_limit=data.credit_limit,
        currency=data.currency,
        reason=data.reason,
        at=data.at,
        recorded_at=utcnow(),
    )
    session.add(change)
    await session.flush()
    record(
        session,
        FINANCE,
        "credit_status.changed",
        "credit_status",
        change.id,
        account_number=account.number,
        status=data.status,
    )
    if before is not None and before.at > data.at:
        return  # an older change arriving late: history only, the current status stays
    if before is None or (before.status, before.reason) != (data.status, data.reason):
        await ctx.publish(
            AccountCreditStatusChanged(
                account_id=account.id,
                number=account.number,
                status=data.status,
                reason=data.reason,
                changed_at=data.at,
            ),
            subject=account.id,
        )
