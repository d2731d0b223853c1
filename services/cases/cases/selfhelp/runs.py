"""A customer's run through a guide (F-16): started on the published version (kept for the whole run), answered
step by step; "solved" ends it with nothing created; a way to "case" waits for the case that the case form
opens with the steps tried; a case for the same device and category within 72 hours of a "solved" turns that
run into an escalated one. Each end is published as `cases.selfhelp.run_finished` through the outbox."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import Case
from cases.directory.access import device_for_new_case
from cases.selfhelp.content import CASE, SOLVED, in_language, next_of, parse_error_code
from cases.selfhelp.models import Guide, GuideRun, GuideVersion
from cases.selfhelp.schemas import AnswerIn, NewRun, RunOut, StepTriedOut
from cases.selfhelp.service import readable_guide, step_out
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Problem, field_error, forbidden, not_found
from shared.events.cases import SelfHelpRunFinished, SelfHelpStepAnswer
from shared.events.vocabulary import ErrorCodeFamily, GuideAnswer, GuideRunOutcome, Side
from shared.outbox import Outbox

# A "solved" counts as deflected only when no case for the same device and category follows within this time.
DEFLECTION_WINDOW = timedelta(hours=72)


async def start_run(session: AsyncSession, principal: Principal, request: NewRun, language: str) -> GuideRun:
    """A run of the guide's published version, for a device the caller may report problems on (or none: a
    Knowledge User reads and tries a guide without one)."""
    if principal.is_staff:
        raise forbidden("Guides are run by the customer's users.")
    found = await readable_guide(session, principal, request.guide_id)
    device = None
    if request.device_id:
        device = await device_for_new_case(session, principal, request.device_id)
    code = parse_error_code(request.error_code) if request.error_code else None
    if request.error_code and code is None:
        raise field_error("error_code", "is no known error code", field_code="unknown_error_code")
    now = utcnow()
    run = GuideRun(
        id=str(uuid.uuid4()),
        guide_id=found.guide.id,
        version=found.version.version,
        user_id=principal.user_id,
        account_id=device.account_id if device else None,
        device_id=device.id if device else None,
        category=found.definition["category"],
        error_code=code.canonical if code else None,
        language=language,
        current_step=found.definition["steps"][0]["key"],
        awaiting_case=False,
        steps=[],
        started_at=now,
        updated_at=now,
    )
    session.add(run)
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side=Side.CUSTOMER,
        action="guide_run.started",
        case_id=None,
        run_id=run.id,
        guide_id=run.guide_id,
        version=run.version,
        device_id=run.device_id,
    )
    return run


async def own_run(
    session: AsyncSession, principal: Principal, run_id: str, for_update: bool = False
) -> GuideRun:
    """The caller's own run; anyone else's answers 404 like a missing one."""
    query = select(GuideRun).where(GuideRun.id == run_id)
    if for_update:
        query = query.with_for_update()
    run = await session.scalar(query)
    if run is None or run.user_id != principal.user_id:
        raise not_found("guide run")
    return run


async def answer_step(
    session: AsyncSession, outbox: Outbox, principal: Principal, run: GuideRun, answer: AnswerIn
) -> None:
    if run.outcome is not None or run.awaiting_case:
        raise Problem(409, "Run finished", "This guide run has already ended.", code="guide_run_finished")
    if answer.step != run.current_step:
        raise field_error(
            "step",
            "is not the step the run is at",
            status=409,
            code="not_current_step",
            field_code="not_current_step",
        )
    version = await version_of(session, run)
    target = next_of(version.definition, answer.step, answer.answer)
    now = utcnow()
    run.steps = [*run.steps, {"step": answer.step, "answer": answer.answer.value}]
    run.updated_at = now
    if target == SOLVED:
        run.current_step, run.outcome, run.solved_at, run.finished_at = None, GuideRunOutcome.SOLVED, now, now
        await publish(session, outbox, run)
    elif target == CASE:
        run.current_step, run.awaiting_case = None, True
    else:
        run.current_step = target
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side=Side.CUSTOMER,
        action="guide_run.answered",
        case_id=None,
        run_id=run.id,
        step=answer.step,
        answer=answer.answer.value,
        next=target,
    )


async def version_of(session: AsyncSession, run: GuideRun) -> GuideVersion:
    version = await session.get(GuideVersion, (run.guide_id, run.version))
    if version is None:  # versions are never deleted while their guide exists
        raise not_found("guide")
    return version


async def publish(
    session: AsyncSession, outbox: Outbox, run: GuideRun, previous: GuideRunOutcome | None = None
) -> None:
    guide = await session.get(Guide, run.guide_id)
    await outbox.add(
        session,
        SelfHelpRunFinished(
            run_id=run.id,
            guide_id=run.guide_id,
            guide_key=guide.key if guide else "",
            version=run.version,
            outcome=GuideRunOutcome(str(run.outcome)),  # set before every publication
            previous_outcome=previous,
            user_id=run.user_id,
            account_id=run.account_id,
            device_id=run.device_id,
            category=run.category,
            error_code=run.error_code,
            language=run.language,
            steps=[SelfHelpStepAnswer(step=s["step"], answer=GuideAnswer(s["answer"])) for s in run.steps],
            last_step=run.last_step,
            case_id=run.case_id,
            started_at=run.started_at,
            finished_at=run.finished_at or run.updated_at,
        ),
        subject=run.id,
    )


async def run_out(session: AsyncSession, run: GuideRun, language: str) -> RunOut:
    definition = (await version_of(session, run)).definition
    title, fallback = in_language(definition["title"], language)
    shown = "en" if fallback else language
    return RunOut(
        id=run.id,
        guide_id=run.guide_id,
        version=run.version,
        title=title,
        language=shown,
        fallback=fallback,
        device_id=run.device_id,
        category=run.category,
        error_code=run.error_code,
        status=status_of(run),
        current_step=step_out(definition, run.current_step, shown),
        steps_tried=steps_tried(definition, run.steps, shown),
        case_id=run.case_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


def status_of(run: GuideRun) -> Any:
    if run.outcome is not None:
        return run.outcome
    return "needs_case" if run.awaiting_case else "open"


def steps_tried(
    definition: dict[str, Any], answered: list[dict[str, str]], language: str
) -> list[StepTriedOut]:
    by_key = {step["key"]: step for step in definition["steps"]}
    return [
        StepTriedOut(
            step=s["step"],
            text=in_language(by_key.get(s["step"], {}).get("text", {}), language)[0],
            answer=GuideAnswer(s["answer"]),
        )
        for s in answered
    ]


# The case a run ends in -----------------------------------------------------------------------------------


async def run_for_case(
    session: AsyncSession, principal: Principal, run_id: str, device_id: str
) -> tuple[GuideRun, GuideVersion]:
    """The caller's open run that a new case for this device continues; a 422 naming `guide_run_id` otherwise."""
    run = await session.scalar(select(GuideRun).where(GuideRun.id == run_id).with_for_update())
    if run is None or run.user_id != principal.user_id:
        raise field_error("guide_run_id", "is no guide run of yours", field_code="unknown_guide_run")
    if run.outcome is not None:
        raise field_error("guide_run_id", "has already ended", field_code="guide_run_finished")
    if run.device_id is not None and run.device_id != device_id:
        raise field_error("guide_run_id", "was run for another device", field_code="guide_run_other_device")
    return run, await version_of(session, run)


def self_help_of(run: GuideRun, version: GuideVersion, guide_key: str) -> dict[str, Any]:
    """What the case keeps of the run: the steps tried with their texts in every language of that version, so
    that the agent reads them in theirs (F-16)."""
    by_key = {step["key"]: step for step in version.definition["steps"]}
    return {
        "run_id": run.id,
        "guide_id": run.guide_id,
        "guide_key": guide_key,
        "version": run.version,
        "title": version.definition["title"],
        "steps": [
            {"step": s["step"], "answer": s["answer"], "text": by_key.get(s["step"], {}).get("text", {})}
            for s in run.steps
        ],
    }


async def escalate(session: AsyncSession, outbox: Outbox, run: GuideRun, case: Case) -> None:
    now = utcnow()
    if run.current_step and not run.awaiting_case:
        run.last_step = run.current_step  # skipped from the middle of the guide to the case
    run.current_step, run.awaiting_case = None, False
    run.outcome, run.case_id, run.finished_at, run.updated_at = GuideRunOutcome.ESCALATED, case.id, now, now
    await publish(session, outbox, run)


async def cases_follow_solved_runs(session: AsyncSession, outbox: Outbox, case: Case) -> int:
    """A case for a device and category within 72 hours after a "solved" on them: the run was not deflected
    after all, it is escalated (and published again, with its previous outcome)."""
    if case.device_id is None:
        return 0
    solved = await session.scalars(
        select(GuideRun)
        .where(
            GuideRun.device_id == case.device_id,
            GuideRun.category == case.category,
            GuideRun.outcome == GuideRunOutcome.SOLVED,
            GuideRun.solved_at >= case.created_at - DEFLECTION_WINDOW,
        )
        .with_for_update()
    )
    runs = list(solved.all())
    for run in runs:
        run.outcome, run.case_id, run.updated_at = GuideRunOutcome.ESCALATED, case.id, case.created_at
        await publish(session, outbox, run, previous=GuideRunOutcome.SOLVED)
    return len(runs)


def needs_technician(error_code: str | None) -> bool:
    """A service-call code skips self-help: its case is flagged for a technician (F-16)."""
    code = parse_error_code(error_code)
    return code is not None and code.family == ErrorCodeFamily.SERVICE_CALL


async def abandon_stale_runs(session: AsyncSession, outbox: Outbox, before: datetime, limit: int) -> int:
    """Runs left unfinished since `before` are abandoned at the step where they stopped."""
    stale = await session.scalars(
        select(GuideRun)
        .where(GuideRun.outcome.is_(None), GuideRun.updated_at < before)
        .order_by(GuideRun.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    runs = list(stale.all())
    now = utcnow()
    for run in runs:
        run.last_step = run.current_step or (CASE if run.awaiting_case else None)
        run.outcome, run.finished_at, run.current_step, run.awaiting_case = (
            GuideRunOutcome.ABANDONED,
            now,
            None,
            False,
        )
        await publish(session, outbox, run)
        audit.record(
            session,
            actor_id=audit.SYSTEM_ACTOR,
            actor_side="system",
            action="guide_run.abandoned",
            case_id=None,
            run_id=run.id,
            last_step=run.last_step,
        )
    return len(runs)
