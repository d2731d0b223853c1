"""Who may manage an account's users (F-34): its administrators and the vendor's staff. A member with
another role gets 403; anyone else 404, the same answer as for an account that does not exist."""

from sqlalchemy.ext.asyncio import AsyncSession

from accounts.customer_accounts.models import Account
from accounts.users.models import Membership, User
from shared.auth import Principal
from shared.errors import forbidden, not_found


async def managed_account(
    session: AsyncSession, principal: Principal, account_id: str, *, for_update: bool = False
) -> Account:
    """The account when the caller administers it. `for_update` locks its row (PostgreSQL), so that changes
    to the same account's users run one after another and the last-administrator rule cannot be raced."""
    if not principal.is_staff and principal.role_in(account_id) is None:
        raise not_found("account")
    if not principal.is_staff and not principal.is_admin_of(account_id):
        raise forbidden("Only the account's administrators and the vendor's staff manage its users.")
    account = await session.get(Account, account_id, with_for_update=for_update)
    if account is None:
        raise not_found("account")
    return account


async def member_of(session: AsyncSession, account_id: str, user_id: str) -> tuple[User, Membership]:
    """A user of the account (active or deactivated); 404 for anyone else."""
    user = await session.get(User, user_id)
    membership = user.membership_in(account_id) if user is not None else None
    if user is None or membership is None:
        raise not_found("user")
    return user, membership
