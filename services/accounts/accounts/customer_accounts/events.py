from sqlalchemy.ext.asyncio import AsyncSession

from accounts.customer_accounts.models import Account
from shared.events.accounts import AccountUpserted
from shared.outbox import Outbox


async def publish_account(session: AsyncSession, outbox: Outbox, account: Account) -> None:
    await outbox.add(
        session,
        AccountUpserted(
            account_id=account.id,
            number=account.number,
            name=account.name,
            country=account.country,
            subdivision=account.subdivision,
            language=account.language,
            time_zone=account.time_zone,
            active=account.active,
        ),
        subject=account.id,
    )
