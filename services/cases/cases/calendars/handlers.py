"""Every account has a business-hours calendar: one is stored for its place when it arrives (cases.calendars.service)."""

from cases.calendars.service import keep_calendar_for
from shared.bus import EventHandlers, HandlerContext
from shared.events.accounts import AccountUpserted

handlers = EventHandlers()


@handlers.on(AccountUpserted)
async def keep_a_calendar_for_the_account(ctx: HandlerContext, data: AccountUpserted) -> None:
    await keep_calendar_for(ctx.session, data.country, data.subdivision, data.time_zone)
