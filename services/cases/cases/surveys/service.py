"""Surveys (F-15): a follower of a resolved case answers once, with the link their resolved email carried; the
staff read the answers on the case and, for supervisors, as results by department, device model, agent and week.

Answering writes the answer, its audit entry and the `cases.survey.answered` event in the caller's transaction; the
database's unique key (case, follower) refuses a second answer, also one sent at the same moment."""

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import Case, StatusChange
from cases.directory.models import Device, User
from cases.reports.service import DEPARTMENT_ORDER, Period
from cases.surveys.links import invalid_link, read_link
from cases.surveys.models import SurveyAnswer
from cases.surveys.schemas import (
    Dimension,
    NewSurveyAnswer,
    SurveyAnswerOut,
    SurveyComment,
    SurveyQuestion,
    SurveyResultRow,
)
from shared.db import utcnow
from shared.errors import Problem
from shared.events.cases import SurveyAnswered
from shared.events.vocabulary import CaseStatus, Side
from shared.outbox import Outbox


def already_answered(number: str) -> Problem:
    return Problem(
        409,
        "Survey already answered",
        f"The survey about case {number} has already been answered from this link. Thank you.",
        code="survey_already_answered",
        params={"number": number},
    )


async def case_of_link(session: AsyncSession, case_id: str) -> Case:
    # A genuine link of a case that no longer exists tells no more than a forged one.
    case = await session.get(Case, case_id)
    if case is None:
        raise invalid_link()
    return case


async def answer_of(session: AsyncSession, case_id: str, user_id: str) -> SurveyAnswer | None:
    return await session.scalar(
        select(SurveyAnswer).where(SurveyAnswer.case_id == case_id, SurveyAnswer.user_id == user_id)
    )


async def question(session: AsyncSession, token: str) -> SurveyQuestion:
    """What the link's page asks; reads only (mail scanners open links)."""
    link = await read_link(session, token, utcnow())
    case = await case_of_link(session, link.case_id)
    answered = await answer_of(session, case.id, link.user_id) is not None
    return SurveyQuestion(number=case.number, answered=answered, expires_at=link.expires_at)


async def agent_of(session: AsyncSession, case: Case) -> str | None:
    """Whom an answer counts for: the case's assignee, else the member of the staff who last resolved it."""
    if case.assignee_id:
        return case.assignee_id
    return await session.scalar(
        select(StatusChange.actor_id)
        .where(
            StatusChange.case_id == case.id,
            StatusChange.to_status == CaseStatus.RESOLVED,
            StatusChange.actor_side == Side.VENDOR,
        )
        .order_by(StatusChange.at.desc())
        .limit(1)
    )


async def answer(
    session: AsyncSession, outbox: Outbox, token: str, request: NewSurveyAnswer
) -> tuple[Case, SurveyAnswer]:
    now = utcnow()
    link = await read_link(session, token, now)
    case = await case_of_link(session, link.case_id)
    if await answer_of(session, case.id, link.user_id) is not None:
        raise already_answered(case.number)
    device = await session.get(Device, case.device_id) if case.device_id else None
    comment = (request.comment or "").strip() or None
    row = SurveyAnswer(
        id=str(uuid.uuid4()),
        case_id=case.id,
        user_id=link.user_id,
        rating=request.rating,
        comment=comment,
        answered_at=now,
        department=case.department,
        device_model=device.model if device else None,
        agent_id=await agent_of(session, case),
    )
    session.add(row)
    number = case.number  # a failed flush expires what the session holds
    try:
        await session.flush()
    except IntegrityError:
        # The same follower answered at the same moment from another request: theirs counts.
        raise already_answered(number) from None
    audit.record(
        session,
        actor_id=link.user_id,
        actor_side=Side.CUSTOMER,
        action="survey.answered",
        case_id=case.id,
        answer_id=row.id,
        rating=row.rating,
        comment=comment,
    )
    await outbox.add(
        session,
        SurveyAnswered(
            answer_id=row.id,
            case_id=case.id,
            number=case.number,
            account_id=case.account_id,
            device_id=case.device_id,
            device_model=row.device_model,
            department=case.department,
            agent_id=row.agent_id,
            user_id=row.user_id,
            rating=row.rating,
            comment=comment,
            answered_at=now,
        ),
        subject=case.id,
    )
    return case, row


async def answers_on_case(session: AsyncSession, case_id: str) -> list[SurveyAnswerOut]:
    """The followers' answers about a case, the oldest first, with their names (staff only)."""
    rows = await session.execute(
        select(SurveyAnswer, User.name)
        .outerjoin(User, User.id == SurveyAnswer.user_id)
        .where(SurveyAnswer.case_id == case_id)
        .order_by(SurveyAnswer.answered_at, SurveyAnswer.id)
    )
    return [
        SurveyAnswerOut(
            user_id=a.user_id,
            user_name=name or "",
            rating=a.rating,
            comment=a.comment,
            answered_at=a.answered_at,
        )
        for a, name in rows.all()
    ]


# Results ---------------------------------------------------------------------------------------------------


def iso_week(moment: datetime, period: Period) -> str:
    year, week, _ = moment.astimezone(period.zone).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> str:
    year, _, number = week.partition("-W")
    return date.fromisocalendar(int(year), int(number), 1).isoformat()


def row_of(group: str, name: str, answers: list[tuple[SurveyAnswer, str]]) -> SurveyResultRow:
    ratings = [a.rating for a, _ in answers]
    newest_first = sorted(answers, key=lambda item: (item[0].answered_at, item[0].id), reverse=True)
    return SurveyResultRow(
        group=group,
        group_name=name,
        answers=len(ratings),
        mean_rating=round(sum(ratings) / len(ratings), 2),
        rating_1=ratings.count(1),
        rating_2=ratings.count(2),
        rating_3=ratings.count(3),
        rating_4=ratings.count(4),
        rating_5=ratings.count(5),
        comments=[
            SurveyComment(
                number=number,
                case_id=a.case_id,
                rating=a.rating,
                comment=a.comment,
                answered_at=a.answered_at,
            )
            for a, number in newest_first
            if a.comment
        ],
    )


async def answers_of(
    session: AsyncSession, period: Period, department: str | None
) -> list[tuple[SurveyAnswer, str]]:
    """The answers given in the period (by the day of answering), with their case's number."""
    start, end = period.bounds()
    query = (
        select(SurveyAnswer, Case.number)
        .join(Case, Case.id == SurveyAnswer.case_id)
        .where(SurveyAnswer.answered_at >= start, SurveyAnswer.answered_at < end)
    )
    if department:
        query = query.where(SurveyAnswer.department == department)
    return [(a, number) for a, number in (await session.execute(query)).all()]


def group_of(answer: SurveyAnswer, by: Dimension, period: Period) -> str:
    """The group an answer counts in; an empty one for an answer without a device model or an agent."""
    if by == "department":
        return answer.department
    if by == "device_model":
        return answer.device_model or ""
    if by == "staff":
        return answer.agent_id or ""
    return iso_week(answer.answered_at, period)


def sort_key(by: Dimension, names: dict[str, str]) -> Callable[[str], tuple[Any, ...]]:
    """Departments as the vocabulary lists them, weeks in time, models and agents by name with the empty group
    last."""
    if by == "department":
        return lambda group: (DEPARTMENT_ORDER.get(group, 99), group)
    if by == "week":
        return lambda group: (group,)
    return lambda group: (group == "", names[group].casefold(), group)


async def results(
    session: AsyncSession, period: Period, by: Dimension, department: str | None
) -> tuple[list[SurveyResultRow], list[tuple[SurveyAnswer, str]]]:
    """The rows of the results by `by` and every answer counted."""
    answers = await answers_of(session, period, department)
    groups: defaultdict[str, list[tuple[SurveyAnswer, str]]] = defaultdict(list)
    for item in answers:
        groups[group_of(item[0], by, period)].append(item)
    names = await group_names(session, by, groups)
    ordered = sorted(groups, key=sort_key(by, names))
    return [row_of(group, names[group], groups[group]) for group in ordered], answers


async def group_names(session: AsyncSession, by: Dimension, groups: Iterable[str]) -> dict[str, str]:
    """How each group is named: an agent by their name (their id when not known here), a week by its Monday."""
    if by == "staff":
        ids = [g for g in groups if g]
        rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
        known = {user_id: name for user_id, name in rows.all()}
        return {g: known.get(g, g) for g in groups}
    if by == "week":
        return {g: week_start(g) for g in groups}
    return {g: g for g in groups}


def mean_of(answers: list[tuple[SurveyAnswer, str]]) -> float | None:
    return round(sum(a.rating for a, _ in answers) / len(answers), 2) if answers else None


def as_csv(rows: list[SurveyResultRow]) -> str:
    """The rows under a header of their field names; the comments of a row in one cell, one per line, each
    with its case and rating."""
    columns = list(SurveyResultRow.model_fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        values = row.model_dump(mode="json", exclude={"comments"})
        values["comments"] = "\n".join(f"{c.number} ({c.rating}): {c.comment}" for c in row.comments)
        writer.writerow([values[name] for name in columns])
    return out.getvalue()
