"""Request and response schemas of invitations."""

from pydantic import BaseModel, Field


class InvitationAccepted(BaseModel):
    status: str
    user_id: str
    email: str


class Acceptance(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)
