"""Request and answer shapes of the surveys (F-15). The public ones, read with a survey link and no login, name
nothing of the case but its number."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_COMMENT = 2000
Dimension = Literal["department", "device_model", "staff", "week"]


class SurveyQuestion(BaseModel):
    """What the survey page shows: the case's reference and whether this follower has answered already."""

    number: str = Field(description="the case's number, e.g. CS-2026-000123")
    answered: bool = Field(
        description="this link's follower has answered already: a second answer is refused"
    )
    expires_at: datetime = Field(description="until when the link may be answered")


class NewSurveyAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 (very dissatisfied) to 5 (very satisfied)")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class SurveyReceipt(BaseModel):
    number: str
    rating: int
    comment: str | None
    answered_at: datetime


class SurveyAnswerOut(BaseModel):
    """An answer as the vendor's staff see it on the case (vendor-only: never in a customer's answer)."""

    user_id: str
    user_name: str
    rating: int
    comment: str | None
    answered_at: datetime


class SurveyComment(BaseModel):
    number: str = Field(description="the case's number")
    case_id: str
    rating: int
    comment: str
    answered_at: datetime


class SurveyResultRow(BaseModel):
    """The answers of one group: one department, device model, agent or week of answering. The CSV answer has
    these columns, in this order (the distribution as rating_1 .. rating_5, the comments one per line)."""

    group: str = Field(
        description="the department's code, the device model, the agent's id or the ISO week (e.g. 2026-W10); "
        "empty for answers without one (a case with no device, or worked by nobody)"
    )
    group_name: str = Field(description="the agent's name, the Monday of the week; else the same as `group`")
    answers: int
    mean_rating: float = Field(description="the mean rating, to two decimals")
    rating_1: int
    rating_2: int
    rating_3: int
    rating_4: int
    rating_5: int
    comments: list[SurveyComment] = Field(description="the answers with a comment, the newest first")


class SurveyResults(BaseModel):
    first_day: date
    last_day: date
    time_zone: str = Field(description="the zone of the days and weeks of answering")
    by: Dimension
    department: str | None
    answers: int = Field(description="every answer of the period (and department)")
    mean_rating: float | None
    rows: list[SurveyResultRow]
