"""Request and response schemas of registrations."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from shared.events.accounts import Role


class RegistrationRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr = Field(max_length=254)
    password: str = Field(max_length=1024)
    language: Literal["en", "es", "sv"] = "en"
    account_number: str = Field(min_length=1, max_length=50)
    serial: str = Field(min_length=1, max_length=50)


class VerifyRequest(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class Decision(BaseModel):
    role: Role
    device_ids: list[str] = Field(default_factory=list, max_length=1000)


class RegistrationState(BaseModel):
    """Where a registration stands after a step (`user_id` once approved)."""

    id: str
    status: str
    user_id: str | None = None


class VerificationOutcome(BaseModel):
    status: str


class RegistrationOut(BaseModel):
    id: str
    account_id: str
    account_number: str
    account_name: str
    name: str
    email: str
    language: str
    serial: str
    status: str
    created_at: datetime
