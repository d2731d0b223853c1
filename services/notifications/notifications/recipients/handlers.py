"""Keep the local copy of recipients from `accounts`."""

from notifications.recipients.models import Recipient
from shared.bus import EventHandlers, HandlerContext
from shared.db import upsert_if_newer
from shared.events.accounts import UserUpserted

handlers = EventHandlers()


@handlers.on(UserUpserted)
async def keep_recipient(ctx: HandlerContext, data: UserUpserted) -> None:
    fields = data.model_dump(
        include={
            "user_id",
            "name",
            "language",
            "time_zone",
            "active",
            "staff_role",
            "notification_preferences",
        }
    )
    row = {
        **fields,
        "email": data.email.strip(),
        "memberships": {m.account_id: m.role for m in data.memberships},
        "version": data.version,
        "as_of": ctx.event.time,
    }
    await upsert_if_newer(ctx.session, Recipient.__table__, row, "user_id")
