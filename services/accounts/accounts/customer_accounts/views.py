"""Customer accounts: members see their own, staff see all (F-34)."""

from fastapi import APIRouter
from sqlalchemy import select

from accounts.customer_accounts.models import Account
from accounts.customer_accounts.schemas import AccountOut, StaffAccountOut
from shared.app import DbSession
from shared.auth import CurrentUser, StaffUser
from shared.errors import not_found
from shared.paging import Items

router = APIRouter(prefix="/api/accounts/v1", tags=["accounts"])


def account_out(account: Account, *, staff: bool) -> dict:
    schema = StaffAccountOut if staff else AccountOut
    return schema.model_validate(account, from_attributes=True).model_dump()


@router.get("/accounts/{account_id}", response_model=StaffAccountOut | AccountOut)
async def get_account(account_id: str, principal: CurrentUser, session: DbSession) -> dict:
    if not principal.is_staff and principal.role_in(account_id) is None:
        raise not_found("account")
    account = await session.get(Account, account_id)
    if account is None:
        raise not_found("account")
    return account_out(account, staff=principal.is_staff)


@router.get("/accounts", response_model=Items[StaffAccountOut])
async def list_accounts(_staff: StaffUser, session: DbSession) -> dict:
    accounts = (await session.scalars(select(Account).order_by(Account.number))).all()
    return {"items": [account_out(a, staff=True) for a in accounts]}
