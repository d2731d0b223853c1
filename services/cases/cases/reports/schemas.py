"""Answer schemas of the service-level report (F-12, F-42)."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class ServiceLevelRow(BaseModel):
    """One department's cases created in one ISO week. The CSV answer has these columns, in this order."""

    department: str
    week: str = Field(description="the ISO week of creation, e.g. 2026-W10")
    week_start: date = Field(description="the Monday of that week")
    opened: int = Field(description="cases created")
    measured: int = Field(
        description="cases with a due time that were responded to or whose due time has passed"
    )
    in_time: int = Field(description="measured cases first responded to at or before their due time")
    in_time_share: float | None = Field(
        description="in_time / measured, from 0 to 1; none when none is measured"
    )
    breaches: int = Field(description="measured cases not responded to in time")
    responded: int = Field(description="cases with a first response: the times below are theirs")
    median_response_hours: float | None = Field(
        description="median business hours from creation to the first response"
    )
    p90_response_hours: float | None = Field(
        description="90th percentile (nearest rank) of the business hours to the first response"
    )


class ServiceLevelReport(BaseModel):
    first_day: date
    last_day: date
    time_zone: str = Field(description="the zone of the days and weeks")
    department: str | None
    generated_at: datetime = Field(description="the time against which due times count as passed")
    rows: list[ServiceLevelRow] = Field(description="by department, then week")
