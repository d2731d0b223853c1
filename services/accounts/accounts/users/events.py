from sqlalchemy.ext.asyncio import AsyncSession

from accounts.database import next_version
from accounts.users.models import User
from shared.events.accounts import Membership as MembershipData
from shared.events.accounts import UserUpserted
from shared.outbox import Outbox


async def publish_user(session: AsyncSession, outbox: Outbox, user: User) -> None:
    """Publish the user's full current state (memberships and preferences included)."""
    await next_version(session, user)
    await outbox.add(
        session,
        UserUpserted(
            user_id=user.id,
            version=user.version,
            email=user.email,
            name=user.name,
            phone=user.phone or "",
            language=user.language,
            time_zone=user.time_zone,
            active=user.active,
            staff_role=user.staff_role,
            memberships=[
                MembershipData(account_id=m.account_id, role=m.role) for m in user.active_memberships
            ],
            notification_preferences=dict(user.notification_preferences),
        ),
        subject=user.id,
    )
