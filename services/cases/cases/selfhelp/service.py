"""Reading the published guides (F-16): which the caller may read (every customer role: the guides for the
models of its accounts' devices; the vendor's staff: all), which match a device, a category, an error code or
words, and each in the reader's language."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.directory.models import Device
from cases.selfhelp.content import fits_model, in_language, step_of, words_found
from cases.selfhelp.models import Guide, GuideVersion
from cases.selfhelp.schemas import GuideOut, GuideSummary, StepOut
from shared.auth import Principal
from shared.errors import not_found


@dataclass
class Published:
    """A guide with the version customers read now."""

    guide: Guide
    version: GuideVersion

    @property
    def definition(self) -> dict[str, Any]:
        return self.version.definition


@dataclass
class Search:
    category: str | None = None
    model: str | None = None
    error_code: str | None = None  # canonical
    words: str | None = None
    every_word: bool = True  # else any meaningful word, the guides with more of them first (suggestions)


async def published_guides(session: AsyncSession) -> list[Published]:
    rows = await session.execute(
        select(Guide, GuideVersion)
        .join(
            GuideVersion,
            (GuideVersion.guide_id == Guide.id) & (GuideVersion.version == Guide.published_version),
        )
        .order_by(Guide.key)
    )
    return [Published(guide, version) for guide, version in rows.all()]


async def readable_models(session: AsyncSession, principal: Principal) -> set[str] | None:
    """The models whose guides the caller reads: those of their accounts' active devices (None: every model)."""
    if principal.is_staff:
        return None
    accounts = list(principal.memberships)
    if not accounts:
        return set()
    models = await session.scalars(
        select(Device.model).where(Device.account_id.in_(accounts), Device.active.is_(True)).distinct()
    )
    return set(models.all())


def readable(found: Published, models: set[str] | None) -> bool:
    if models is None:
        return True
    return any(fits_model(found.definition, model) for model in models)


def matching(found: Published, search: Search, language: str) -> int:
    """0 when the guide does not match; else how well (the words found, 1 without words)."""
    definition = found.definition
    if search.category and definition["category"] != search.category:
        return 0
    if search.model and not fits_model(definition, search.model):
        return 0
    if search.error_code and search.error_code not in definition.get("error_codes", []):
        return 0
    if not search.words or not search.words.strip():
        return 1
    return words_found(definition, search.words, language, search.every_word)


async def find_guides(
    session: AsyncSession, principal: Principal, search: Search, language: str
) -> list[GuideSummary]:
    models = await readable_models(session, principal)
    scored = [
        (score, found)
        for found in await published_guides(session)
        if readable(found, models) and (score := matching(found, search, language))
    ]
    scored.sort(key=lambda pair: -pair[0])  # stable: by key among equals
    return [summary_of(found, language) for _, found in scored]


async def readable_guide(session: AsyncSession, principal: Principal, guide_id: str) -> Published:
    """A published guide the caller may read; 404 otherwise (a draft is no guide to customers)."""
    guide = await session.get(Guide, guide_id)
    if guide is None or guide.published_version is None:
        raise not_found("guide")
    version = await session.get(GuideVersion, (guide.id, guide.published_version))
    if version is None:
        raise not_found("guide")
    found = Published(guide, version)
    if not readable(found, await readable_models(session, principal)):
        raise not_found("guide")
    return found


def summary_of(found: Published, language: str) -> GuideSummary:
    definition = found.definition
    title, fallback = in_language(definition["title"], language)
    return GuideSummary(
        id=found.guide.id,
        key=found.guide.key,
        version=found.version.version,
        category=definition["category"],
        models=definition.get("models", []),
        error_codes=definition.get("error_codes", []),
        title=title,
        language="en" if fallback else language,
        fallback=fallback,
    )


def step_out(definition: dict[str, Any], key: str | None, language: str) -> StepOut | None:
    step = step_of(definition, key)
    if step is None:
        return None
    return StepOut(
        key=step["key"],
        text=in_language(step["text"], language)[0],
        solved=step["solved"],
        not_solved=step["not_solved"],
        image=step.get("image"),
    )


def guide_out(found: Published, language: str) -> GuideOut:
    summary = summary_of(found, language)
    # One language for the whole guide: the reader's when its title is written in it, else English.
    shown = summary.language
    steps = [step_out(found.definition, step["key"], shown) for step in found.definition["steps"]]
    return GuideOut(**summary.model_dump(), steps=[step for step in steps if step])
