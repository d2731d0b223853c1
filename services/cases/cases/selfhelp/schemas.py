"""Request and answer shapes of the self-help guides and runs (F-16, F-42). Customers read published versions
in their language; supervisors read and write the whole definition in every language."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cases.selfhelp.content import GuideDefinition, StepKey
from shared.events.vocabulary import ErrorCodeFamily, GuideAnswer, GuideStatus

GuideKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Customers ------------------------------------------------------------------------------------------------


class ErrorCodeOut(BaseModel):
    code: str = Field(description="canonical: the family's letter and the number, e.g. J1104")
    family: ErrorCodeFamily


class GuideSummary(BaseModel):
    id: str
    key: str
    version: int
    category: str
    models: list[str]
    error_codes: list[str]
    title: str
    language: str = Field(description="the language of the texts: the reader's, or English when missing")
    fallback: bool = Field(description="the guide is not written in the reader's language: English is shown")


class GuideList(BaseModel):
    items: list[GuideSummary]
    error_code: ErrorCodeOut | None = Field(None, description="the code searched for, as understood")
    service_call: bool = Field(
        False, description="the code needs a technician: no self-help, straight to a case (F-16)"
    )


class StepOut(BaseModel):
    key: str
    text: str
    solved: str = Field(description='where "solved" leads: "solved" or a step key')
    not_solved: str = Field(description='where "not solved" leads: "case" or a step key')
    image: str | None = Field(None, description="a picture of the step: /static/guides/<image> on the portal")


class GuideOut(GuideSummary):
    steps: list[StepOut]


class NewRun(Strict):
    guide_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    device_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = None
    error_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None


class AnswerIn(Strict):
    step: StepKey
    answer: GuideAnswer


class StepTriedOut(BaseModel):
    step: str
    text: str
    answer: GuideAnswer


class RunOut(BaseModel):
    id: str
    guide_id: str
    version: int
    title: str
    language: str
    fallback: bool
    device_id: str | None
    category: str
    error_code: str | None
    status: Literal["open", "needs_case", "solved", "escalated", "abandoned"] = Field(
        description="open: `current_step` waits for an answer; needs_case: the guide led to a case, "
        "which the customer may open with `guide_run_id`; then escalated; solved; abandoned"
    )
    current_step: StepOut | None
    steps_tried: list[StepTriedOut]
    case_id: str | None
    started_at: datetime
    finished_at: datetime | None


# Supervisors ----------------------------------------------------------------------------------------------


class NewGuide(Strict):
    key: GuideKey = Field(description="a stable name of the guide, e.g. paper-jam")
    definition: GuideDefinition


class DraftIn(Strict):
    definition: GuideDefinition


class StepStats(BaseModel):
    step: str
    abandoned: int


class GuideStats(BaseModel):
    """How runs through the guide ended (F-16's honest deflection): `solved` counts every "solved" answer;
    `deflected` only those 72 hours old with no case for the same device and category since (a case within them
    makes the run `escalated`); `awaiting_deflection` the solved ones younger than that."""

    runs: int
    open_runs: int = Field(description="runs still being answered")
    solved: int
    deflected: int
    awaiting_deflection: int
    escalated: int
    abandoned: int
    abandoned_by_step: list[StepStats]


class VersionOut(BaseModel):
    version: int
    published_at: datetime
    published_by: str
    runs: int


class ManagedGuideSummary(BaseModel):
    id: str
    key: str
    title: str
    category: str
    status: GuideStatus
    published_version: int | None
    unpublished_changes: bool = Field(description="the draft differs from the published version")
    updated_at: datetime
    stats: GuideStats
    allowed_actions: list[str]


class ManagedGuideList(BaseModel):
    items: list[ManagedGuideSummary]
    allowed_actions: list[str]


class ManagedGuide(ManagedGuideSummary):
    draft: GuideDefinition
    published: GuideDefinition | None
    versions: list[VersionOut]
