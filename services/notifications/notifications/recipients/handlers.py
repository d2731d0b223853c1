"""Keep the local copy of recipients from `accounts`."""

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.recipients.models import Recipient
from shared.bus import EventHandlers
from shared.events import CloudEvent
from shared.events.accounts import UserUpserted

handlers = EventHandlers()


@handlers.on("accounts.user.upserted")
async def keep_recipient(session: AsyncSession, data: UserUpserted, event: CloudEvent) -> None:
    recipient = await session.get(Recipient, data.user_id)
    if recipient is not None and recipient.as_of > event.time:
        return  # a late, older state of this user
    recipient = recipient or Recipient(user_id=data.user_id)
    recipient.email, recipient.name = data.email.strip(), data.name
    recipient.language, recipient.time_zone, recipient.active = data.language, data.time_zone, data.active
    recipient.staff_role = data.staff_role
    recipient.memberships = {m.account_id: m.role for m in data.memberships}
    recipient.notification_preferences = dict(data.notification_preferences)
    recipient.as_of = event.time
    session.add(recipient)
