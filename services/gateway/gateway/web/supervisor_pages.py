"""The supervisor's page "Departments and routing" (F-42): who works in each department, and the rules that
send each new case to a department. The cases service checks the supervisor role and every rule on each call
and says what the visitor may do (`allowed_actions`); the page only shows that."""

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.refusals import Refusal, form_errors, localized, problem_text
from gateway.web.visit import FORM_REFUSALS, SupervisorVisit, Visit
from shared.events.vocabulary import CaseType

router = APIRouter(prefix="/supervisor", include_in_schema=False)
CASES = "/api/cases/v1"
PAGE = "/supervisor/routing"
# The member forms and the delete button also show a rule or a person someone else removed meanwhile.
REFUSALS = FORM_REFUSALS | {404}
NOTICES = {
    "member_added": labels.N_("The staff member has been added to the department."),
    "member_removed": labels.N_("The staff member has been removed from the department."),
    "rule_saved": labels.N_("The routing rule has been saved. It applies to cases created from now on."),
    "rule_deleted": labels.N_("The routing rule has been deleted."),
}
# Which labels name a type's categories: an account inquiry's category is its topic.
CATEGORY_LABELS = {CaseType.ACCOUNT_INQUIRY: "topic"}
RULE_FIELDS = ("type", "category", "department")


def category_label(visit: Visit, case_type: str, category: str | None) -> str:
    if category is None:
        return visit.gettext("Any category")
    return visit.label(CATEGORY_LABELS.get(CaseType(case_type), "category"), category)


def category_groups(
    visit: Visit, categories: dict[str, list[str]]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The categories a rule may name, grouped by the type they belong to, by their labels."""
    return [
        (visit.label("type", case_type), [(c, category_label(visit, case_type, c)) for c in names])
        for case_type, names in categories.items()
        if names
    ]


async def routing_page(visit: Visit, status: int = 200, refusal: Refusal | None = None) -> Response:
    departments, rules = await asyncio.gather(
        visit.get("cases", f"{CASES}/departments"), visit.get("cases", f"{CASES}/routing-rules")
    )
    return visit.render(
        "supervisor/routing.html",
        status=status,
        departments=departments["items"],
        staff=departments["staff"],
        rules=[
            {**rule, "category_label": category_label(visit, rule["type"], rule["category"])}
            for rule in rules["items"]
        ],
        rule_actions=rules["allowed_actions"],
        types=[(t, visit.label("type", t)) for t in rules["categories"]],
        category_groups=category_groups(visit, rules["categories"]),
        department_choices=[(d, visit.label("department", d)) for d in labels.DEPARTMENTS],
        refusal=refusal,
        notice=visit.notice(NOTICES),
    )


def redirect(visit: Visit, notice: str, anchor: str) -> Response:
    return visit.redirect(f"{PAGE}?notice={notice}#{anchor}")


def required(visit: Visit, name: str) -> dict[str, str]:
    """A choice the address of the service's operation is made of: without it there is nothing to call."""
    return {name: localized(visit, "required", None, "invalid")}


@router.get("/routing", response_class=HTMLResponse)
async def routing(visit: SupervisorVisit) -> Response:
    return await routing_page(visit)


@router.post("/departments/{department}/members", response_class=HTMLResponse)
async def add_member(visit: SupervisorVisit, department: str) -> Response:
    form = await visit.form()
    values = {"user_id": str(form.get("user_id", ""))}
    if not values["user_id"]:
        refusal = Refusal("member", department, values, required(visit, "user_id"))
        return await routing_page(visit, status=422, refusal=refusal)
    answer = await visit.call(
        "cases",
        "PUT",
        f"{CASES}/departments/{quote(department, safe='')}/members/{quote(values['user_id'], safe='')}",
        refusals=REFUSALS,
    )
    if answer.ok:
        return redirect(visit, "member_added", f"department-{department}")
    errors = form_errors(visit, answer, ("user_id",), "user_id")
    refusal = Refusal("member", department, values, errors, problem_text(visit, answer))
    return await routing_page(visit, status=answer.status, refusal=refusal)


@router.post("/departments/{department}/members/{user_id}/remove", response_class=HTMLResponse)
async def remove_member(visit: SupervisorVisit, department: str, user_id: str) -> Response:
    await visit.form()
    answer = await visit.call(
        "cases",
        "DELETE",
        f"{CASES}/departments/{quote(department, safe='')}/members/{quote(user_id, safe='')}",
        refusals=REFUSALS,
    )
    if answer.ok:
        return redirect(visit, "member_removed", f"department-{department}")
    refusal = Refusal("member", department, problem=problem_text(visit, answer))
    return await routing_page(visit, status=answer.status, refusal=refusal)


def rule_path(values: dict[str, str]) -> str:
    """A type's rule for any category, or its rule of one category."""
    path = f"{CASES}/routing-rules/{quote(values['type'], safe='')}"
    return f"{path}/{quote(values['category'], safe='')}" if values["category"] else path


def rule_values(form: dict[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name, "")) for name in RULE_FIELDS}


@router.post("/routing-rules", response_class=HTMLResponse)
async def save_rule(visit: SupervisorVisit) -> Response:
    """Adds a rule or gives an existing one another department: the same operation (a rule per type and
    category). `form` says which of the page's forms was sent: `add`, or the rule's own row."""
    form = await visit.form()
    values = rule_values(form)
    which = str(form.get("form") or "add")
    if not values["type"]:
        return await routing_page(visit, 422, Refusal(which, None, values, required(visit, "type")))
    answer = await visit.call(
        "cases", "PUT", rule_path(values), json={"department": values["department"]}, refusals=REFUSALS
    )
    if answer.ok:
        return redirect(visit, "rule_saved", "rules")
    errors = form_errors(visit, answer, RULE_FIELDS, "department")
    refusal = Refusal(which, None, values, errors, problem_text(visit, answer))
    return await routing_page(visit, status=answer.status, refusal=refusal)


@router.post("/routing-rules/delete", response_class=HTMLResponse)
async def delete_rule(visit: SupervisorVisit) -> Response:
    form = await visit.form()
    values = rule_values(form)
    if not (values["type"] and values["category"]):
        return await routing_page(visit, 422, Refusal("delete", None, values, required(visit, "category")))
    answer = await visit.call("cases", "DELETE", rule_path(values), refusals=REFUSALS)
    if answer.ok:
        return redirect(visit, "rule_deleted", "rules")
    refusal = Refusal("delete", None, values, problem=problem_text(visit, answer))
    return await routing_page(visit, status=answer.status, refusal=refusal)
