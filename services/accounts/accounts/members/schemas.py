"""Request and response schemas of members."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from shared.errors import InvalidValue
from shared.events.accounts import Role
from shared.events.vocabulary import UserAction

DeviceIds = list[str]


class AccountUser(BaseModel):
    """A user of the account, or a person invited to it (`invited`: the invitation is still open)."""

    user_id: str
    email: str
    name: str
    role: str
    active: bool
    device_ids: list[str]
    invited: bool
    invitation_id: str | None = None
    invitation_expires_at: datetime | None = None
    allowed_actions: list[UserAction] = Field(
        default_factory=list, description="what the caller may do to this user of the account"
    )


class InvitationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=254)
    name: str | None = Field(None, max_length=200)
    role: Role
    device_ids: DeviceIds = Field(default_factory=list, max_length=1000)


class InvitationCreated(BaseModel):
    invitation_id: str
    expires_at: datetime


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None


class UserDevices(BaseModel):
    user_id: str
    device_ids: list[str]


class AssignmentSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_ids: DeviceIds = Field(max_length=1000)

    @field_validator("device_ids")
    @classmethod
    def _short_ids(cls, value: list[str]) -> list[str]:
        if any(len(device_id) > 36 for device_id in value):
            raise InvalidValue("too_long", "device ids have at most 36 characters", max_length=36)
        return value
