"""Keep the local copy of recipients from `accounts`."""

from notifications.recipients.models import Recipient
from shared.bus import EventHandlers, HandlerContext
from shared.events.accounts import UserUpserted

handlers = EventHandlers()


@handlers.on(UserUpserted)
async def keep_recipient(ctx: HandlerContext, data: UserUpserted) -> None:
    session, event = ctx.session, ctx.event
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
