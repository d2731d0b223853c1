"""Request and response schemas of audit."""

from datetime import datetime

from pydantic import BaseModel


class AuditItem(BaseModel):
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    target_type: str
    target_id: str
    details: dict
    old_values: dict | None
    new_values: dict | None
    correlation_id: str | None
