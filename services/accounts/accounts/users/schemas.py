"""Request and response schemas of users."""

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from accounts.users.models import NOTIFICATION_KINDS
from shared.errors import InvalidValue
from shared.events.vocabulary import PortalAction


class MembershipOut(BaseModel):
    account_id: str
    account_number: str
    account_name: str
    role: str
    country: str = Field("", description="the account's country (ISO 3166), in which dates are written")
    time_zone: str = Field("", description="the account's time zone, offered first in the profile")


class Profile(BaseModel):
    id: str
    email: str
    name: str
    phone: str
    language: str
    time_zone: str
    staff_role: str | None
    notification_preferences: dict[str, bool]
    memberships: list[MembershipOut]
    allowed_actions: list[PortalAction] = Field(
        default_factory=list,
        description="what the caller may start: a device action when at least one device allows it, "
        "account questions and user management for administrators, the case queue for staff",
    )


NotificationPreferences = dict[Literal[NOTIFICATION_KINDS], bool]  # type: ignore[valid-type]


def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


class ProfileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=50)
    language: Literal["en", "es", "sv"] | None = None
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    notification_preferences: NotificationPreferences | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_time_zone(value):
            raise InvalidValue("unknown_time_zone", "not a known IANA time zone (e.g. Europe/Stockholm)")
        return value

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise InvalidValue("required", "may not be blank")
        return value.strip() if value else value


class PasswordChange(BaseModel):
    """The current password proves it is the user at the keyboard, not someone at an unlocked screen."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordChanged(BaseModel):
    other_sessions_ended: int
