"""Events of `accounts`: the state other services keep local copies of (event-carried state transfer),
and the security messages `notifications` sends."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.envelope import EventData
from shared.events.vocabulary import CustomerRole, StaffRole

Role = CustomerRole  # the name the contracts have always used
Language = Literal["en", "es", "sv"]


class Membership(BaseModel):
    account_id: str
    role: Role


class AccountUpserted(EventData):
    event_type = "accounts.account.upserted"
    version: int = Field(
        0,
        ge=0,
        description="raised with every change: a copy keeps the snapshot with the highest (0: from before)",
    )
    account_id: str
    number: str
    name: str
    country: str
    language: Language
    time_zone: str
    active: bool
    subdivision: str | None = Field(None, description="ISO 3166-2, e.g. ES-MD: regional holidays (F-12)")


class UserUpserted(EventData):
    """Everything other services need of a user: who to email, in which language, what they want to receive,
    and where they belong, and how the vendor's staff reach them (`phone`, empty when not given).
    `notification_preferences` maps a kind of message (F-60) to on/off."""

    event_type = "accounts.user.upserted"
    version: int = Field(
        0,
        ge=0,
        description="raised with every change: a copy keeps the snapshot with the highest (0: from before)",
    )
    user_id: str
    email: str
    name: str
    phone: str = ""
    language: Language
    time_zone: str
    active: bool
    staff_role: StaffRole | None = None
    memberships: list[Membership] = Field(default_factory=list)
    notification_preferences: dict[str, bool] = Field(default_factory=dict)


class Location(BaseModel):
    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    building: str = ""
    floor: str = ""
    room: str = ""
    contact_name: str = ""
    contact_phone: str = ""


class DeviceUpserted(EventData):
    """A device with its assignment: `assigned_user_ids` is the full current set (not a delta)."""

    event_type = "accounts.device.upserted"
    version: int = Field(
        0,
        ge=0,
        description="raised with every change: a copy keeps the snapshot with the highest (0: from before)",
    )
    device_id: str
    account_id: str
    serial: str
    model: str
    model_class: Literal["mono", "colour", "a3_colour"]
    counters: list[str]
    location: Location
    response_time_hours: int
    daily_volume: int = 200
    assigned_user_ids: list[str] = Field(default_factory=list)
    active: bool = True


class DeviceLocationChanged(EventData):
    """A customer (administrator or device manager) updated a device's address or on-site location (F-31),
    for the vendor's systems to follow. `location` is the full new location; `changed_by` the user id."""

    event_type = "accounts.product.location_changed"
    device_id: str
    account_id: str
    serial: str
    location: Location
    changed_by: str
    changed_fields: list[str] = Field(default_factory=list)


class DeviceRemoved(EventData):
    event_type = "accounts.device.removed"
    device_id: str
    account_id: str
    version: int = Field(
        0,
        ge=0,
        description="the device's version after its removal: an older `upserted` arriving later is ignored",
    )


class SessionRevoked(EventData):
    """A session ended on the server (logout, deactivation): its tokens are refused until they expire."""

    event_type = "accounts.session.revoked"
    session_id: str
    user_id: str
    expires_at: datetime


class EmailVerificationRequested(EventData):
    event_type = "accounts.email_verification.requested"
    user_id: str
    email: str
    name: str
    language: Language
    link_path: str


class PasswordResetRequested(EventData):
    event_type = "accounts.password_reset.requested"
    user_id: str
    email: str
    name: str
    language: Language
    link_path: str


class RegistrationAwaitingApproval(EventData):
    """Sent to the account's administrators (or to agents when it has none)."""

    event_type = "accounts.registration.awaiting_approval"
    registration_id: str
    account_id: str
    account_name: str
    applicant_name: str
    applicant_email: str
    approver_user_ids: list[str]
    link_path: str


class RegistrationDecided(EventData):
    """An approver decided a registration: the applicant is told whether they can log in now (F-01)."""

    event_type = "accounts.registration.decided"
    registration_id: str
    account_id: str
    account_name: str
    name: str
    email: str
    language: Language
    outcome: Literal["approved", "refused"]
    user_id: str | None = Field(None, description="the user the approved registration became")
    link_path: str = Field(description="where the applicant goes next: the login page")


class InvitationIssued(EventData):
    event_type = "accounts.invitation.issued"
    invitation_id: str
    account_id: str
    account_name: str
    email: str
    name: str
    language: Language
    role: Role
    link_path: str
    expires_at: datetime
    invited_by_name: str | None = Field(
        None,
        description="who invited (the invitation email names them); none when the vendor's CRM appointed",
    )
    time_zone: str | None = Field(
        None, description="the invitee's time zone, in which the email gives the expiry"
    )


class AccountCreditStatusChanged(EventData):
    """The account's current credit status changed (from the vendor's finance system, F-41), for the services
    that act on it: while `status` is `hold` a consumables order waits for an agent's release. Vendor-only data:
    no customer role is ever shown it."""

    event_type = "accounts.credit_status.changed"
    account_id: str
    number: str
    status: Literal["good", "watch", "hold"]
    reason: str = ""
    changed_at: datetime
