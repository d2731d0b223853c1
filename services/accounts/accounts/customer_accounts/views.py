"""Customer accounts: members see their own with the parts of its CRM data that concern their role (F-34); the
vendor's staff see every account with its current credit status (F-41), and find one by its number or name, a
device's serial number or a user's email."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.customer_accounts.models import Account
from accounts.customer_accounts.schemas import AccountOut, StaffAccountOut
from accounts.customer_accounts.service import parts_for
from accounts.devices.models import Device
from accounts.finance.schemas import StaffCreditStatusOut
from accounts.finance.service import current_credit_status
from accounts.users.models import Membership, User
from shared.app import DbSession
from shared.auth import CurrentUser, StaffUser
from shared.errors import not_found
from shared.paging import Items

router = APIRouter(prefix="/api/accounts/v1", tags=["accounts"])
SEARCH_RESULTS = 50


def account_out(account: Account, *, role: str | None) -> dict:
    """The customer's view: what concerns their role of the CRM's addresses and contacts."""
    values = AccountOut.model_validate(account, from_attributes=True).model_dump(
        exclude={"addresses", "contacts"}
    )
    return AccountOut.model_validate(
        values | parts_for(role, account.addresses, account.contacts)
    ).model_dump()


async def staff_account_out(session: AsyncSession, account: Account, *, with_credit: bool) -> dict:
    values = StaffAccountOut.model_validate(account, from_attributes=True).model_dump(
        exclude={"credit_status"}
    )
    credit = await current_credit_status(session, account.id) if with_credit else None
    return StaffAccountOut.model_validate(
        values | {"credit_status": StaffCreditStatusOut.model_validate(credit) if credit else None}
    ).model_dump()


@router.get("/accounts/{account_id}", response_model=StaffAccountOut | AccountOut)
async def get_account(account_id: str, principal: CurrentUser, session: DbSession) -> dict:
    if not principal.is_staff and principal.role_in(account_id) is None:
        raise not_found("account")
    account = await session.get(Account, account_id)
    if account is None:
        raise not_found("account")
    if principal.is_staff:
        return await staff_account_out(session, account, with_credit=True)
    return account_out(account, role=principal.role_in(account_id))


@router.get("/accounts", response_model=Items[StaffAccountOut])
async def list_accounts(
    _staff: StaffUser,
    session: DbSession,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="part of an account's number or name, of a device's serial number or of a user's email",
        ),
    ] = None,
) -> dict:
    query = select(Account).order_by(Account.number)
    if q and q.strip():
        text = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{text}%"

        def like(column):
            return column.ilike(pattern, escape="\\")

        by_device = select(Device.account_id).where(like(Device.serial))
        by_user = (
            select(Membership.account_id).join(User, User.id == Membership.user_id).where(like(User.email))
        )
        query = query.where(
            or_(like(Account.number), like(Account.name), Account.id.in_(by_device), Account.id.in_(by_user))
        ).limit(SEARCH_RESULTS)
    accounts = (await session.scalars(query)).all()
    return {"items": [await staff_account_out(session, a, with_credit=bool(q)) for a in accounts]}
