"""The Stock Manager's supplies (SPEC §1, F-30): per device whose supplies the visitor keeps, the toner levels with
days to empty, the stock on site (counted, and what was used taken from it) and the shipping instructions every
new order starts from. The cases service decides who may read or change them."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import UserVisit, Visit

router = APIRouter(include_in_schema=False)
CASES = "/api/cases/v1"
SUPPLIES_NOTICES = {
    "instructions": labels.N_("The shipping instructions have been saved."),
    "used": labels.N_("What was used has been taken from the stock."),
    "counted": labels.N_("The stock on site has been updated."),
}


async def supplies_page(visit: Visit, status: int = 200, **refused: Any) -> Response:
    body = await visit.get("cases", f"{CASES}/supplies")
    return visit.render(
        "supplies.html",
        status=status,
        devices=(body or {}).get("items") or [],
        notice=visit.notice(SUPPLIES_NOTICES),
        refused=refused,
    )


@router.get("/supplies", response_class=HTMLResponse)
async def supplies(visit: UserVisit) -> Response:
    return await supplies_page(visit)


def refusal(visit: Visit, device_id: str, form: str, answer, values: dict[str, str]) -> dict[str, Any]:
    """Where a refused form goes back to: its device, which form, what was typed and why it was refused."""
    return {
        "device_id": device_id,
        "form": form,
        "typed": values,
        "errors": form_errors(visit, answer, ("instructions", "quantity"), "quantity"),
        "problem": problem_text(visit, answer),
    }


@router.post("/supplies/{device_id}/instructions", response_class=HTMLResponse)
async def save_instructions(visit: UserVisit, device_id: str) -> Response:
    form = await visit.form()
    values = {"instructions": str(form.get("instructions") or "")}
    answer = await visit.call(
        "cases", "PUT", f"{CASES}/devices/{device_id}/shipping-instructions", json=values
    )
    if answer.ok:
        return visit.redirect(f"/supplies?notice=instructions#device-{device_id}")
    return await supplies_page(
        visit, answer.status, **refusal(visit, device_id, "instructions", answer, values)
    )


def quantity_of(text: str) -> int | str:
    """A whole number is sent as a number, anything else as typed, so that the service names the field."""
    text = text.strip()
    return int(text) if text.isdigit() else text


@router.post("/supplies/{device_id}/stock/{sku}/{change}", response_class=HTMLResponse)
async def change_stock(visit: UserVisit, device_id: str, sku: str, change: str) -> Response:
    if change not in ("used", "counted"):
        return await supplies_page(visit, 404)
    form = await visit.form()
    values = {"quantity": str(form.get("quantity") or ""), "sku": sku}
    if change == "used":
        method, path = "POST", f"{CASES}/devices/{device_id}/stock/{sku}/used"
    else:
        method, path = "PUT", f"{CASES}/devices/{device_id}/stock/{sku}"
    answer = await visit.call("cases", method, path, json={"quantity": quantity_of(values["quantity"])})
    if answer.ok:
        return visit.redirect(f"/supplies?notice={change}#device-{device_id}")
    return await supplies_page(visit, answer.status, **refusal(visit, device_id, change, answer, values))
