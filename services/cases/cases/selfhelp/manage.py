"""Supervisors keep the guides (F-42): create one as a draft, change the draft in any of the three languages,
publish it as a new version (runs already started keep theirs), and see how the runs of each guide ended."""

import uuid
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.selfhelp.content import checked, in_language
from cases.selfhelp.models import Guide, GuideRun, GuideVersion
from cases.selfhelp.runs import DEFLECTION_WINDOW
from cases.selfhelp.schemas import (
    DraftIn,
    GuideStats,
    ManagedGuide,
    ManagedGuideSummary,
    NewGuide,
    StepStats,
    VersionOut,
)
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Problem, field_error, not_found
from shared.events.vocabulary import GuideRunOutcome, GuideStatus
from shared.permissions import guide_actions


async def create_guide(session: AsyncSession, principal: Principal, request: NewGuide) -> Guide:
    definition = checked(request.definition)
    if await session.scalar(select(Guide.id).where(Guide.key == request.key)) is not None:
        raise field_error(
            "key",
            "is the key of another guide",
            status=409,
            code="guide_key_taken",
            field_code="guide_key_taken",
        )
    now = utcnow()
    guide = Guide(
        id=str(uuid.uuid4()),
        key=request.key,
        draft=definition,
        published_version=None,
        created_at=now,
        updated_at=now,
    )
    session.add(guide)
    audit.record_staff_change(
        session, principal, "guide.created", {"draft": (None, definition)}, guide_id=guide.id, key=guide.key
    )
    return guide


async def guide_for_update(session: AsyncSession, guide_id: str) -> Guide:
    guide = await session.scalar(select(Guide).where(Guide.id == guide_id).with_for_update())
    if guide is None:
        raise not_found("guide")
    return guide


async def save_draft(session: AsyncSession, principal: Principal, guide: Guide, request: DraftIn) -> None:
    definition = checked(request.definition)
    if definition == guide.draft:
        return
    audit.record_staff_change(
        session, principal, "guide.draft_changed", {"draft": (guide.draft, definition)}, guide_id=guide.id
    )
    guide.draft, guide.updated_at = definition, utcnow()


async def publish(session: AsyncSession, principal: Principal, guide: Guide) -> GuideVersion:
    """The draft becomes the next version; customers read it from now on."""
    current = await published_of(session, guide)
    if current is not None and current.definition == guide.draft:
        raise Problem(
            409, "Nothing to publish", "The draft is the published version.", code="nothing_to_publish"
        )
    number = (current.version if current else 0) + 1
    latest = await session.scalar(
        select(func.max(GuideVersion.version)).where(GuideVersion.guide_id == guide.id)
    )
    number = max(number, (latest or 0) + 1)
    now = utcnow()
    version = GuideVersion(
        guide_id=guide.id,
        version=number,
        definition=dict(guide.draft),
        published_at=now,
        published_by=principal.user_id,
    )
    session.add(version)
    audit.record_staff_change(
        session,
        principal,
        "guide.published",
        {"published_version": (guide.published_version, number)},
        guide_id=guide.id,
    )
    guide.published_version, guide.updated_at = number, now
    return version


async def published_of(session: AsyncSession, guide: Guide) -> GuideVersion | None:
    if guide.published_version is None:
        return None
    return await session.get(GuideVersion, (guide.id, guide.published_version))


# Reading -------------------------------------------------------------------------------------------------


async def stats_of(session: AsyncSession, guide_ids: list[str]) -> dict[str, GuideStats]:
    """Per guide: the runs by outcome, the honest deflection (F-16) and where abandoned runs stopped."""
    old_enough = when((GuideRun.solved_at <= utcnow() - DEFLECTION_WINDOW, 1), else_=0)
    rows = await session.execute(
        select(
            GuideRun.guide_id,
            GuideRun.outcome,
            GuideRun.last_step,
            func.count(),
            func.count(GuideRun.solved_at),
            func.coalesce(func.sum(old_enough), 0),
        )
        .where(GuideRun.guide_id.in_(guide_ids))
        .group_by(GuideRun.guide_id, GuideRun.outcome, GuideRun.last_step)
    )
    counts: dict[str, dict[str, Any]] = {guide_id: {"by_step": {}} for guide_id in guide_ids}
    for guide_id, outcome, last_step, count, solved, deflectable in rows.all():
        tally(counts[guide_id], outcome, last_step, count, solved, int(deflectable))
    return {guide_id: stats_from(tallied) for guide_id, tallied in counts.items()}


def tally(
    counts: dict[str, Any], outcome: str | None, step: str | None, count: int, solved: int, old_enough: int
) -> None:
    def add(name: str, number: int) -> None:
        counts[name] = counts.get(name, 0) + number

    add("runs", count)
    add("solved", solved)
    if outcome is None:
        add("open_runs", count)
    elif outcome == GuideRunOutcome.SOLVED:
        add("deflected", old_enough)
        add("awaiting_deflection", count - old_enough)
    elif outcome == GuideRunOutcome.ESCALATED:
        add("escalated", count)
    else:
        add("abandoned", count)
        counts["by_step"][step or "-"] = counts["by_step"].get(step or "-", 0) + count


def stats_from(counts: dict[str, Any]) -> GuideStats:
    names = ("runs", "open_runs", "solved", "deflected", "awaiting_deflection", "escalated", "abandoned")
    return GuideStats(
        **{name: counts.get(name, 0) for name in names},
        abandoned_by_step=[
            StepStats(step=step, abandoned=n) for step, n in sorted(counts["by_step"].items())
        ],
    )


async def managed_summaries(
    session: AsyncSession, principal: Principal, language: str
) -> list[ManagedGuideSummary]:
    guides = list((await session.scalars(select(Guide).order_by(Guide.key))).all())
    stats = await stats_of(session, [g.id for g in guides])
    published = await published_definitions(session, guides)
    return [summary_of(principal, g, published.get(g.id), stats[g.id], language) for g in guides]


async def published_definitions(session: AsyncSession, guides: list[Guide]) -> dict[str, dict[str, Any]]:
    keys = [(g.id, g.published_version) for g in guides if g.published_version is not None]
    if not keys:
        return {}
    versions = await session.scalars(
        select(GuideVersion).where(GuideVersion.guide_id.in_([k[0] for k in keys]))
    )
    wanted = set(keys)
    return {v.guide_id: v.definition for v in versions.all() if (v.guide_id, v.version) in wanted}


def summary_of(
    principal: Principal, guide: Guide, published: dict[str, Any] | None, stats: GuideStats, language: str
) -> ManagedGuideSummary:
    shown = published or guide.draft
    return ManagedGuideSummary(
        id=guide.id,
        key=guide.key,
        title=in_language(shown["title"], language)[0],
        category=shown["category"],
        status=GuideStatus.PUBLISHED if published is not None else GuideStatus.DRAFT,
        published_version=guide.published_version,
        unpublished_changes=published != guide.draft,
        updated_at=guide.updated_at,
        stats=stats,
        allowed_actions=guide_actions(principal),
    )


async def managed_guide(
    session: AsyncSession, principal: Principal, guide: Guide, language: str
) -> ManagedGuide:
    stats = (await stats_of(session, [guide.id]))[guide.id]
    current = await published_of(session, guide)
    published = current.definition if current else None
    versions = (
        await session.scalars(
            select(GuideVersion)
            .where(GuideVersion.guide_id == guide.id)
            .order_by(GuideVersion.version.desc())
        )
    ).all()
    runs = dict(
        (
            await session.execute(
                select(GuideRun.version, func.count())
                .where(GuideRun.guide_id == guide.id)
                .group_by(GuideRun.version)
            )
        ).all()
    )
    return ManagedGuide(
        **summary_of(principal, guide, published, stats, language).model_dump(),
        draft=guide.draft,
        published=published,
        versions=[
            VersionOut(
                version=v.version,
                published_at=v.published_at,
                published_by=v.published_by,
                runs=runs.get(v.version, 0),
            )
            for v in versions
        ],
    )
