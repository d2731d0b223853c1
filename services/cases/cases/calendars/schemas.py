"""Request and answer schemas of the business-hours calendars (F-12, F-42)."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from cases.servicelevel.hours import TIME_PATTERN
from shared.paging import Page

LocalTime = Annotated[str, Field(pattern=TIME_PATTERN, description="local wall time HH:MM, 00:00 to 24:00")]


class OpeningRangeIn(BaseModel):
    start: LocalTime
    end: LocalTime


class DayHoursIn(BaseModel):
    ranges: list[OpeningRangeIn] = Field(default_factory=list, max_length=6)


class WeeklyHoursIn(BaseModel):
    weekly_hours: list[DayHoursIn] = Field(
        min_length=7, max_length=7, description="seven days, Monday first; a day without ranges is closed"
    )


class DayNoteIn(BaseModel):
    note: str = Field("", max_length=200, description="why, for the people who read the calendar")


class AssignmentIn(BaseModel):
    calendar_id: str = Field(min_length=1, max_length=20)


class OpeningRangeOut(BaseModel):
    start: str
    end: str


class DayHoursOut(BaseModel):
    weekday: int = Field(description="0 is Monday")
    ranges: list[OpeningRangeOut]


class CalendarDayOut(BaseModel):
    day: date
    note: str


class CalendarOut(BaseModel):
    id: str
    name: str
    time_zone: str
    country: str
    subdivision: str | None
    holiday_categories: list[str]
    weekly_hours: list[DayHoursOut]
    closed_days: list[CalendarDayOut]
    extra_open_days: list[CalendarDayOut]
    version: int
    updated_at: datetime
    account_count: int = Field(description="how many active accounts use this calendar")
    allowed_actions: list[str]


class HolidayOut(BaseModel):
    day: date
    name: str


class CalendarDetail(CalendarOut):
    year: int
    holidays: list[HolidayOut] = Field(
        description="the public holidays of `year`, named in the caller's language"
    )


class CalendarList(BaseModel):
    items: list[CalendarOut]
    allowed_actions: list[str]


class CalendarAccountOut(BaseModel):
    id: str
    number: str
    name: str
    country: str
    subdivision: str | None
    assigned: bool = Field(description="a supervisor gave it this calendar (else it is its place's)")


class CalendarAccountPage(Page[CalendarAccountOut]):
    pass


class AccountCalendarOut(BaseModel):
    account_id: str
    assigned: bool = Field(
        description="a supervisor chose the calendar; else it is the one of the account's place"
    )
    calendar_id: str | None = Field(description="None while no calendar is stored for the account's place")
    allowed_actions: list[str]


class DueOut(BaseModel):
    calendar_id: str
    due_at: datetime = Field(description="UTC: the end of the last business hour")
    counted_from: datetime = Field(
        description="UTC: the start, or the next opening after a start in closed time"
    )
    outside_business_hours: bool
