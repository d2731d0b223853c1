"""A device as each caller may see it: its fields, and who it is assigned to."""

from sqlalchemy import select

from accounts.devices.models import Device
from accounts.devices.schemas import (
    AdminDeviceDetail,
    AssignedUser,
    DeviceItem,
    StaffDeviceDetail,
    StaffDeviceItem,
)
from accounts.users.models import User
from shared.auth import Principal
from shared.events.accounts import Location
from shared.permissions import device_actions


def device_fields(device: Device, principal: Principal) -> dict:
    return {
        "id": device.id,
        "account_id": device.account_id,
        "account_name": device.account.name,
        "serial": device.serial,
        "model": device.model,
        "model_class": device.model_class,
        "counters": device.counters,
        "location": Location(**device.location()),
        "contract_number": device.contract_number,
        "response_time_hours": device.response_time_hours,
        "assigned_user_ids": device.assigned_user_ids,
        "allowed_actions": device_actions(principal, device.account_id, device.assigned_user_ids),
    }


def device_item(device: Device, principal: Principal) -> DeviceItem:
    if principal.is_staff:
        return StaffDeviceItem(**device_fields(device, principal), daily_volume=device.daily_volume)
    return DeviceItem(**device_fields(device, principal))


async def assigned_users(session, device: Device) -> list[AssignedUser]:
    users = (
        await session.execute(
            select(User.id, User.name).where(User.id.in_(device.assigned_user_ids)).order_by(User.name)
        )
    ).all()
    return [AssignedUser(user_id=user_id, name=name) for user_id, name in users]


async def device_detail(session, device: Device, principal: Principal) -> dict:
    """The device page's data (F-31): assigned users' names only for administrators and staff."""
    detail: StaffDeviceDetail | AdminDeviceDetail | DeviceItem
    if principal.is_staff:
        detail = StaffDeviceDetail(
            **device_fields(device, principal),
            daily_volume=device.daily_volume,
            assigned_users=await assigned_users(session, device),
        )
    elif principal.is_admin_of(device.account_id):
        detail = AdminDeviceDetail(
            **device_fields(device, principal), assigned_users=await assigned_users(session, device)
        )
    else:
        detail = DeviceItem(**device_fields(device, principal))
    return detail.model_dump(mode="json")
