from sqlalchemy.ext.asyncio import AsyncSession

from accounts.customer_accounts.models import Account
from accounts.database import next_version
from shared.events.accounts import AccountUpserted
from shared.outbox import Outbox


async def publish_account(session: AsyncSession, outbox: Outbox, account: Account) -> None:
    await next_version(session, account)
    await outbox.add(
        session,
        AccountUpserted(
            account_id=account.id,
            version=account.version,
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
