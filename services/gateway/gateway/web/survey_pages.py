"""Surveys in the portal (F-15). The public survey page of a resolved case's email link: no login, the case's
number and the question only, the rating the visitor clicked in the email chosen already. Opening it saves nothing
(mail scanners open links); sending the form saves the answer, once. In the link's language (`lang`, the one the
email was written in), else the visitor's. And the supervisors' results: per department, device model, agent or
week, the number of answers, their mean, the distribution of the ratings and the comments, with a CSV download.
The cases service checks the link, the single answer and the supervisor role; the pages show what it answers."""

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.labels import N_
from gateway.web.refusals import form_errors, localized, problem_text
from gateway.web.report_pages import api_params, report_filters
from gateway.web.visit import (
    FORM_REFUSALS,
    AnonymousVisit,
    Answer,
    ReportsVisit,
    Visit,
    answer_of,
    parse_date,
)
from shared.i18n import LANGUAGES

router = APIRouter(include_in_schema=False)
API = "/api/cases/v1/surveys"
RESULTS_API = "/api/cases/v1/reports/surveys"
# A forged link is unknown (404), an old one expired (410), a second answer a conflict (409).
SURVEY_REFUSALS = FORM_REFUSALS | {404, 410}
RATINGS = ("1", "2", "3", "4", "5")
RATING_WORDS = {
    "1": N_("Very dissatisfied"),
    "2": N_("Dissatisfied"),
    "3": N_("Neither satisfied nor dissatisfied"),
    "4": N_("Satisfied"),
    "5": N_("Very satisfied"),
}
DIMENSIONS = {
    "department": N_("Department"),
    "device_model": N_("Device model"),
    "staff": N_("Agent"),
    "week": N_("Week"),
}
FIELDS = ("from", "to", "department", "by")


# -- the public survey page ----------------------------------------------------------------------------------


def in_link_language(visit: Visit) -> str:
    """The link's language when it names one of the portal's; the `lang` to keep in the form's address."""
    language = visit.request.query_params.get("lang", "")
    if language in LANGUAGES:
        visit.language = language
        return language
    return ""


def survey_path(token: str, language: str) -> str:
    path = f"/surveys/{quote(token, safe='')}"
    return f"{path}?lang={language}" if language else path


def rating_choices(visit: Visit) -> list[tuple[str, str]]:
    return [(value, f"{value} – {visit.gettext(RATING_WORDS[value])}") for value in RATINGS]


def unusable(visit: Visit, answer: Answer) -> Response:
    """A forged, altered or expired link, said in the visitor's language."""
    return visit.render(
        "message.html",
        status=answer.status,
        heading=visit.gettext("This survey link cannot be used"),
        message=problem_text(visit, answer),
    )


def already_answered(visit: Visit, number: str, status: int = 200) -> Response:
    return visit.render(
        "message.html",
        status=status,
        heading=visit.gettext("Thank you"),
        message=localized(visit, "survey_already_answered", {"number": number}, "conflict"),
    )


def survey_form(
    visit: Visit,
    token: str,
    language: str,
    question: dict[str, Any],
    values: dict[str, str],
    status: int = 200,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
) -> Response:
    return visit.render(
        "survey.html",
        status=status,
        number=question["number"],
        action=survey_path(token, language),
        ratings=rating_choices(visit),
        values=values,
        errors=errors or {},
        problem=problem,
    )


async def question_of(visit: Visit, token: str) -> Answer:
    return await visit.call(
        "cases", "GET", f"{API}/{quote(token, safe='')}", anonymous=True, refusals=SURVEY_REFUSALS
    )


@router.get("/surveys/{token}", response_class=HTMLResponse)
async def survey_page(visit: AnonymousVisit, token: str, rating: str = "") -> Response:
    """The question with the rating of the link chosen; nothing is saved until the visitor sends it."""
    language = in_link_language(visit)
    question = await question_of(visit, token)
    if not question.ok:
        return unusable(visit, question)
    if question.body["answered"]:
        return already_answered(visit, question.body["number"])
    values = {"rating": rating if rating in RATINGS else "", "comment": ""}
    return survey_form(visit, token, language, question.body, values)


@router.post("/surveys/{token}", response_class=HTMLResponse)
async def answer_survey(visit: AnonymousVisit, token: str) -> Response:
    language = in_link_language(visit)
    form = await visit.form()
    values = {"rating": str(form.get("rating", "")), "comment": str(form.get("comment", ""))}
    if values["rating"] not in RATINGS:
        question = await question_of(visit, token)
        if not question.ok:
            return unusable(visit, question)
        code = "not_a_choice" if values["rating"] else "required"
        errors = {"rating": localized(visit, code, None, "invalid")}
        return survey_form(visit, token, language, question.body, values, 422, errors)
    answer = await visit.call(
        "cases",
        "POST",
        f"{API}/{quote(token, safe='')}/answer",
        json={"rating": int(values["rating"]), "comment": values["comment"].strip() or None},
        anonymous=True,
        refusals=SURVEY_REFUSALS,
    )
    if answer.ok:
        return visit.render(
            "message.html",
            heading=visit.gettext("Thank you for your answer"),
            message=visit.gettext(
                "Your rating of case %(number)s has been saved. It helps us to serve you better."
            )
            % {"number": answer.body["number"]},
        )
    if answer.status == 409:
        number = (answer.body or {}).get("params", {}).get("number", "")
        return already_answered(visit, number, status=409)
    if answer.status in (404, 410):
        return unusable(visit, answer)
    question = await question_of(visit, token)
    if not question.ok:
        return unusable(visit, question)
    errors = form_errors(visit, answer, ("rating", "comment"), "comment")
    return survey_form(
        visit, token, language, question.body, values, answer.status, errors, problem_text(visit, answer)
    )


# -- the supervisors' results --------------------------------------------------------------------------------


def result_filters(visit: Visit) -> dict[str, str]:
    by = visit.request.query_params.get("by", "")
    return {**report_filters(visit), "by": by if by in DIMENSIONS else "department"}


def group_label(visit: Visit, by: str, row: dict[str, Any]) -> str:
    if by == "department":
        return visit.label("department", row["group"])
    if by == "week":
        year, _, week = row["group"].partition("-W")
        return visit.gettext("Week %(week)s of %(year)s") % {"week": int(week), "year": year}
    if not row["group"]:
        return visit.gettext("No device") if by == "device_model" else visit.gettext("Nobody")
    return str(row["group_name"])


def shown_row(visit: Visit, by: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row's figures as the visitor reads them."""
    answers = row["answers"]
    return {
        "group": group_label(visit, by, row),
        "week_start": visit.formatter.date(parse_date(row["group_name"])) if by == "week" else None,
        "answers": visit.formatter.number(answers),
        "mean": visit.formatter.number(row["mean_rating"]),
        "distribution": [
            {
                "rating": rating,
                "count": visit.formatter.number(row[f"rating_{rating}"]),
                "percent": round(100 * row[f"rating_{rating}"] / answers) if answers else 0,
            }
            for rating in RATINGS
        ],
        "comments": row["comments"],
    }


def results_page(visit: Visit, filters: dict[str, str], answer: Answer) -> Response:
    refused, by = not answer.ok, filters["by"]
    body = answer.body if not refused else {}
    return visit.render(
        "supervisor/surveys.html",
        status=answer.status,
        filters=filters,
        departments=[(d, visit.label("department", d)) for d in labels.DEPARTMENTS],
        dimensions=[(d, visit.gettext(text)) for d, text in DIMENSIONS.items()],
        by_label=visit.gettext(DIMENSIONS[by]),
        total=visit.formatter.number(body.get("answers", 0)),
        mean=None if body.get("mean_rating") is None else visit.formatter.number(body["mean_rating"]),
        rows=[] if refused else [shown_row(visit, by, row) for row in body["rows"]],
        errors=form_errors(visit, answer, FIELDS, "from") if refused else {},
        problem=problem_text(visit, answer) if refused else None,
    )


@router.get("/supervisor/reports/surveys", response_class=HTMLResponse)
async def survey_results(visit: ReportsVisit) -> Response:
    filters = result_filters(visit)
    return results_page(
        visit, filters, await visit.call("cases", "GET", RESULTS_API, params=api_params(visit, filters))
    )


@router.get("/supervisor/reports/surveys.csv")
async def survey_results_csv(visit: ReportsVisit) -> Response:
    """The results as a file to save, fetched with the visitor's session; a refused period shows the page."""
    filters = result_filters(visit)
    answer = await visit.fetch("cases", "GET", f"{RESULTS_API}.csv", params=api_params(visit, filters))
    if answer.status_code != 200:
        return results_page(visit, filters, answer_of(answer))
    name = f"surveys-by-{filters['by'].replace('_', '-')}-{filters['from']}-{filters['to']}.csv"
    return visit.finish(
        Response(
            answer.content,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )
