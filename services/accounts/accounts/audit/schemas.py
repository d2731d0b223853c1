"""Request and response schemas of audit."""

from datetime import datetime

from pydantic import BaseModel, Field


class AuditItem(BaseModel):
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    target_type: str
    target_id: str
    target_name: str | None = Field(None, description="the target user's name or the target device's serial")
    names: dict[str, str] = Field(
        default_factory=dict, description="a readable name for each user and device id the entry refers to"
    )
    details: dict
    old_values: dict | None
    new_values: dict | None
    correlation_id: str | None
