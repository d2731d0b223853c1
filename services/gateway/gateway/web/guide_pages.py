"""The supervisors' pages for the self-help guides (F-42): every guide with how its runs ended (runs, solved,
deflected, escalated, abandoned and where), a new guide, a guide's texts in one of the three languages, and
publishing the draft as a new version. The cases service checks the role and every definition."""

import copy
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import GuidesVisit, Visit

router = APIRouter(prefix="/supervisor/guides", include_in_schema=False)
CASES = "/api/cases/v1"
LANGUAGES = tuple(labels.LANGUAGE_NAMES)
NOTICES = {
    "created": labels.N_("The guide has been saved as a draft."),
    "saved": labels.N_("The draft has been saved. Customers see it once it is published."),
    "published": labels.N_("The guide has been published. New runs follow this version."),
}


@router.get("", response_class=HTMLResponse)
async def guides_list(visit: GuidesVisit) -> Response:
    body = await visit.get("cases", f"{CASES}/managed-guides")
    return visit.render(
        "supervisor/guides.html",
        guides=body["items"],
        actions=body["allowed_actions"],
        notice=visit.notice(NOTICES),
    )


def new_guide_page(visit: Visit, values: dict, status: int = 200, **extra: Any) -> Response:
    return visit.render(
        "supervisor/guide_new.html",
        status=status,
        values=values,
        categories=labels.INCIDENT_CATEGORIES,
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/new", response_class=HTMLResponse)
async def new_guide_form(visit: GuidesVisit) -> Response:
    return new_guide_page(visit, {})


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def linear_steps(lines: list[str], language: str) -> list[dict[str, Any]]:
    """One instruction per line: "solved" ends the run, "not solved" leads to the next line, the last to a case."""
    keys = [f"s{number}" for number in range(1, len(lines) + 1)]
    return [
        {
            "key": key,
            "text": {language: line},
            "solved": "solved",
            "not_solved": keys[index + 1] if index + 1 < len(keys) else "case",
        }
        for index, (key, line) in enumerate(zip(keys, lines, strict=True))
    ]


@router.post("/new", response_class=HTMLResponse)
async def create_guide(visit: GuidesVisit) -> Response:
    form = await visit.form()
    values = {
        name: str(form.get(name, "")).strip()
        for name in ("key", "category", "models", "error_codes", "title", "steps")
    }
    lines = [line.strip() for line in values["steps"].splitlines() if line.strip()]
    definition = {
        "category": values["category"],
        "models": split_list(values["models"]),
        "error_codes": split_list(values["error_codes"]),
        "title": {"en": values["title"]},
        "steps": linear_steps(lines, "en"),
    }
    answer = await visit.call(
        "cases", "POST", f"{CASES}/managed-guides", json={"key": values["key"], "definition": definition}
    )
    if not answer.ok:
        errors = form_errors(visit, answer, rename={"definition.title.en": "title"})
        errors = {
            (
                "steps"
                if name.startswith("definition_steps") or name == "definition"
                else name.removeprefix("definition_")
            ): text
            for name, text in errors.items()
        }
        return new_guide_page(
            visit, values, status=answer.status, errors=errors, problem=problem_text(visit, answer)
        )
    return visit.redirect(f"/supervisor/guides/{answer.body['id']}?notice=created")


@router.get("/{guide_id}", response_class=HTMLResponse)
async def guide_page(visit: GuidesVisit, guide_id: str) -> Response:
    guide = await visit.get("cases", f"{CASES}/managed-guides/{guide_id}")
    return visit.render(
        "supervisor/guide.html", guide=guide, languages=labels.LANGUAGE_NAMES, notice=visit.notice(NOTICES)
    )


def chosen_language(value: str | None) -> str:
    return value if value in LANGUAGES else "en"


def edit_page(
    visit: Visit, guide: dict, language: str, values: dict, status: int = 200, **extra: Any
) -> Response:
    return visit.render(
        "supervisor/guide_edit.html",
        status=status,
        guide=guide,
        language=language,
        language_name=labels.LANGUAGE_NAMES[language],
        values=values,
        errors=extra.pop("errors", {}),
        **extra,
    )


def texts_of(draft: dict, language: str) -> dict[str, str]:
    values = {
        "title": draft["title"].get(language, ""),
        "keywords": (draft.get("keywords") or {}).get(language, ""),
    }
    values.update({f"step_{step['key']}": step["text"].get(language, "") for step in draft["steps"]})
    return values


@router.get("/{guide_id}/edit", response_class=HTMLResponse)
async def edit_form(visit: GuidesVisit, guide_id: str, language: str = "en") -> Response:
    guide = await visit.get("cases", f"{CASES}/managed-guides/{guide_id}")
    language = chosen_language(language)
    return edit_page(visit, guide, language, texts_of(guide["draft"], language))


def with_texts(draft: dict, language: str, values: dict[str, str]) -> dict:
    """The draft with its texts in `language` replaced by the form's (an emptied text is no longer written in it)."""
    changed = copy.deepcopy(draft)

    def put(texts: dict[str, str], text: str) -> dict[str, str]:
        return {**{k: v for k, v in texts.items() if k != language}, **({language: text} if text else {})}

    changed["title"] = put(changed["title"], values.get("title", ""))
    changed["keywords"] = put(changed.get("keywords") or {}, values.get("keywords", ""))
    for step in changed["steps"]:
        step["text"] = put(step["text"], values.get(f"step_{step['key']}", ""))
    return changed


@router.post("/{guide_id}/edit", response_class=HTMLResponse)
async def save_texts(visit: GuidesVisit, guide_id: str) -> Response:
    form = await visit.form()
    language = chosen_language(str(form.get("language", "")))
    guide = await visit.get("cases", f"{CASES}/managed-guides/{guide_id}")
    values = {name: str(value).strip() for name, value in form.items() if isinstance(value, str)}
    definition = with_texts(guide["draft"], language, values)
    answer = await visit.call(
        "cases", "PUT", f"{CASES}/managed-guides/{guide_id}/draft", json={"definition": definition}
    )
    if not answer.ok:
        errors = form_errors(visit, answer, rename=form_fields(guide["draft"]), default_field="title")
        return edit_page(
            visit,
            guide,
            language,
            values,
            status=answer.status,
            errors=errors,
            problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/supervisor/guides/{guide_id}?{urlencode({'notice': 'saved'})}")


def form_fields(draft: dict) -> dict[str, str]:
    """The form field of each path the cases service may refuse: a step's text in any language is its field."""
    fields = {}
    for language in LANGUAGES:
        fields[f"definition.title.{language}"] = "title"
        fields[f"definition.keywords.{language}"] = "keywords"
        for index, step in enumerate(draft["steps"]):
            fields[f"definition.steps.{index}.text.{language}"] = f"step_{step['key']}"
    return fields


@router.post("/{guide_id}/publish", response_class=HTMLResponse)
async def publish(visit: GuidesVisit, guide_id: str) -> Response:
    await visit.form()
    answer = await visit.call("cases", "POST", f"{CASES}/managed-guides/{guide_id}/publish")
    if not answer.ok:
        guide = await visit.get("cases", f"{CASES}/managed-guides/{guide_id}")
        return visit.render(
            "supervisor/guide.html",
            status=answer.status,
            guide=guide,
            languages=labels.LANGUAGE_NAMES,
            problem=problem_text(visit, answer),
        )
    return visit.redirect(f"/supervisor/guides/{guide_id}?notice=published")
