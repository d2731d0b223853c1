"""Reading requests from the vendor's billing system (F-25)."""

from sqlalchemy import select

from meters.devices.models import Account, Device, local_date_of
from meters.requests import service
from meters.requests.models import ReadRequest
from shared.bus import EventHandlers, HandlerContext, PermanentError
from shared.db import utcnow
from shared.events.vendor import BillingMeterReadRequested

handlers = EventHandlers()


@handlers.on(BillingMeterReadRequested)
async def open_read_request(ctx: HandlerContext, data: BillingMeterReadRequested) -> None:
    session = ctx.session
    if await session.get(ReadRequest, data.request_id) is not None:
        return  # the billing system repeated a request: it changes nothing
    account = await session.scalar(
        select(Account).where(Account.number == data.account_number, Account.active.is_(True))
    )
    if account is None:
        raise PermanentError(f"account_number: no active account {data.account_number!r} is known")
    serials = list(dict.fromkeys(data.serials))
    devices = (
        await session.scalars(
            select(Device).where(
                Device.account_id == account.id, Device.serial.in_(serials), Device.active.is_(True)
            )
        )
    ).all()
    if unknown := sorted(set(serials) - {d.serial for d in devices}):
        raise PermanentError(
            f"serials: no active device of account {data.account_number} with serial {', '.join(unknown)}"
        )
    await service.open_request(
        session,
        ctx.outbox,
        request_id=data.request_id,
        account_id=account.id,
        devices=sorted(devices, key=lambda d: d.serial),
        due_date=data.due_date,
        opened_on=local_date_of(account, utcnow()),
    )
