"""Request and response schemas of auth."""

from pydantic import BaseModel, Field


class LoginRequest(BaseModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    # From an earlier successful login of this account on this client: exempts it from the account's lock.
    device_token: str | None = Field(default=None, max_length=200)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str


class LoginResponse(TokenResponse):
    device_token: str


class ResetRequested(BaseModel):
    """The same answer whether or not the address is known: no probing for accounts."""

    status: str


class PublicKeys(BaseModel):
    """A JSON Web Key Set (RFC 7517)."""

    keys: list[dict[str, str]]


class ResetRequest(BaseModel):
    email: str = Field(min_length=1, max_length=254)


class ResetConfirm(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)
