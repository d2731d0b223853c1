"""Requests other than incidents (F-30 to F-33): a supplies order from the device's catalogue, a relocation or
removal, an account inquiry, and the device's location. Each becomes a case (or a location change) in the
service that owns it; the services check roles and every field, and these pages put their refusals next to the
fields they name (`items.0.quantity`, `relocation.preferred_date`, `shipping.city`) with what was typed kept."""

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import labels
from gateway.web.account_pages import account_choices, administered
from gateway.web.portal_pages import device_view
from gateway.web.refusals import form_errors, problem_text
from gateway.web.visit import Answer, PageError, UserVisit, Visit
from shared.events.vocabulary import PortalAction

router = APIRouter(include_in_schema=False)
ACCOUNTS, CASES = "/api/accounts/v1", "/api/cases/v1"
ADDRESS_FIELDS = (
    "street",
    "postal_code",
    "city",
    "region",
    "country",
    "building",
    "floor",
    "room",
    "contact_name",
    "contact_phone",
)
LOCATION_FIELDS = tuple(
    name for name in ADDRESS_FIELDS if name != "country"
)  # the country comes from the CRM
RELOCATION_FIELDS = (
    *ADDRESS_FIELDS,
    "preferred_date",
    "time_window",
    "ip_mode",
    "ip_address",
    "netmask",
    "gateway",
    "dns",
    "hostname",
    "description",
)
STATIC_FIELDS = ("ip_address", "netmask", "gateway")


def typed(form: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


async def created(visit: Visit, body: dict) -> Answer:
    return await visit.call("cases", "POST", f"{CASES}/cases", json=body)


def to_case(visit: Visit, answer: Answer) -> Response:
    return visit.redirect(f"/cases/{answer.body['id']}?notice=created")


# -- supplies (F-30)
SHIPPING_CHOICES = ("device", "other")


def quantity_field(sku: str) -> str:
    return f"quantity_{sku}"


def order_lines(values: dict[str, str], catalogue: list[dict]) -> list[dict]:
    """The lines with a quantity typed, in catalogue order; a whole number is sent as a number, anything else as
    typed, so that the service names the line."""
    lines = []
    for item in catalogue:
        text = values.get(quantity_field(item["sku"]), "")
        if text and text != "0":
            lines.append({"sku": item["sku"], "quantity": int(text) if text.isdigit() else text})
    return lines


def shipping_of(values: dict[str, str]) -> dict:
    if values["ship_to"] != "other":
        return {"use_device_location": True, "instructions": values["instructions"]}
    return {
        "use_device_location": False,
        "instructions": values["instructions"],
        **{name: values[name] for name in ADDRESS_FIELDS},
    }


async def order_page(
    visit: Visit,
    device_id: str,
    values: dict | None = None,
    status: int = 200,
    suggested_sku: str = "",
    **extra: Any,
) -> Response:
    device = await visit.get("accounts", f"{ACCOUNTS}/devices/{device_id}")
    catalogue = (await visit.get("cases", f"{CASES}/devices/{device_id}/catalogue") or {}).get("items") or []
    if values is None:
        values = await new_order_values(visit, device, catalogue, suggested_sku)
    return visit.render(
        "order.html",
        status=status,
        device=device,
        catalogue=catalogue,
        values=values,
        quantity_field=quantity_field,
        errors=extra.pop("errors", {}),
        **extra,
    )


async def new_order_values(visit: Visit, device: dict, catalogue: list[dict], suggested_sku: str) -> dict:
    """A new order starts from the device's shipping instructions (SPEC §1) and, when the dashboard suggested an
    item (a toner running low), one of it."""
    supplies = await visit.call("cases", "GET", f"{CASES}/devices/{device['id']}/supplies", refusals={403})
    kept = supplies.body.get("shipping_instructions", "") if supplies.ok and supplies.body else ""
    values = {
        "ship_to": "device",
        "country": (device.get("location") or {}).get("country") or "",
        "instructions": kept,
    }
    if any(item["sku"] == suggested_sku for item in catalogue):
        values[quantity_field(suggested_sku)] = "1"
    return values


@router.get("/devices/{device_id}/order", response_class=HTMLResponse)
async def order_form(visit: UserVisit, device_id: str, sku: str = "") -> Response:
    return await order_page(visit, device_id, suggested_sku=sku)


@router.post("/devices/{device_id}/order", response_class=HTMLResponse)
async def place_order(visit: UserVisit, device_id: str) -> Response:
    form = await visit.form()
    catalogue = ((await visit.get("cases", f"{CASES}/devices/{device_id}/catalogue")) or {}).get(
        "items"
    ) or []
    quantities = tuple(quantity_field(item["sku"]) for item in catalogue)
    values = typed(form, (*quantities, "ship_to", "instructions", *ADDRESS_FIELDS))
    lines = order_lines(values, catalogue)
    if not lines:
        return await order_page(
            visit,
            device_id,
            values,
            status=422,
            problem=visit.gettext("Enter the quantity of at least one item."),
        )
    answer = await created(
        visit,
        {
            "type": "consumables",
            "device_id": device_id,
            "items": lines,
            "subject": visit.gettext("Supplies order"),
            "shipping": shipping_of(values),
        },
    )
    if answer.ok:
        return to_case(visit, answer)
    # `items.1.quantity` is the second line sent, not the second line of the catalogue.
    rename = {
        f"items.{index}.{part}": quantity_field(line["sku"])
        for index, line in enumerate(lines)
        for part in ("quantity", "sku")
    }
    rename["shipping.use_device_location"] = "ship_to"
    errors = form_errors(
        visit,
        answer,
        (*quantities, "ship_to", "instructions", *ADDRESS_FIELDS),
        quantity_field(lines[0]["sku"]),
        rename,
    )
    return await order_page(
        visit, device_id, values, status=answer.status, errors=errors, problem=problem_text(visit, answer)
    )


# -- relocation and removal (F-32)
def network_of(values: dict[str, str]) -> dict:
    network: dict[str, Any] = {"ip_mode": values["ip_mode"], "hostname": values["hostname"] or None}
    if values["ip_mode"] == "static":
        network.update({name: values[name] for name in STATIC_FIELDS})
        network["dns"] = [server for server in re.split(r"[\s,;]+", values["dns"]) if server]
    return network


def relocation_of(values: dict[str, str]) -> dict:
    return {
        **{name: values[name] for name in ADDRESS_FIELDS},
        "preferred_date": values["preferred_date"],
        "time_window": values["time_window"],
        "network": network_of(values),
    }


async def field_service_page(
    visit: Visit, device_id: str, kind: str, values: dict | None = None, status: int = 200, **extra: Any
) -> Response:
    device = await visit.get("accounts", f"{ACCOUNTS}/devices/{device_id}")
    place = device.get("location") or {}
    defaults = {"country": place.get("country") or "", "time_window": "all_day", "ip_mode": "dhcp"}
    return visit.render(
        f"{kind}.html",
        status=status,
        device=device,
        values=values or defaults,
        time_windows=labels.TIME_WINDOWS,
        ip_modes=labels.IP_MODES,
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/devices/{device_id}/relocation", response_class=HTMLResponse)
async def relocation_form(visit: UserVisit, device_id: str) -> Response:
    return await field_service_page(visit, device_id, "relocation")


@router.post("/devices/{device_id}/relocation", response_class=HTMLResponse)
async def request_relocation(visit: UserVisit, device_id: str) -> Response:
    values = typed(await visit.form(), RELOCATION_FIELDS)
    # The subject in the visitor's language: it names the case in lists and emails.
    subject = visit.gettext("Relocation to %(city)s") % {"city": values["city"]} if values["city"] else None
    answer = await created(
        visit,
        {
            "type": "relocation",
            "device_id": device_id,
            "subject": subject,
            "description": values["description"],
            "relocation": relocation_of(values),
        },
    )
    if answer.ok:
        return to_case(visit, answer)
    return await field_service_page(
        visit,
        device_id,
        "relocation",
        values,
        status=answer.status,
        errors=form_errors(visit, answer, RELOCATION_FIELDS, "street"),
        problem=problem_text(visit, answer),
    )


@router.get("/devices/{device_id}/removal", response_class=HTMLResponse)
async def removal_form(visit: UserVisit, device_id: str) -> Response:
    return await field_service_page(visit, device_id, "removal", {})


@router.post("/devices/{device_id}/removal", response_class=HTMLResponse)
async def request_removal(visit: UserVisit, device_id: str) -> Response:
    values = typed(await visit.form(), ("date", "reason"))
    answer = await created(
        visit,
        {
            "type": "removal",
            "device_id": device_id,
            "subject": visit.gettext("Device removal"),
            "removal": values,
        },
    )
    if answer.ok:
        return to_case(visit, answer)
    return await field_service_page(
        visit,
        device_id,
        "removal",
        values,
        status=answer.status,
        errors=form_errors(visit, answer, ("date", "reason"), "date"),
        problem=problem_text(visit, answer),
    )


# -- account inquiries (F-33)
INQUIRY_FIELDS = ("account_id", "topic", "subject", "description")


async def inquiry_page(visit: Visit, values: dict, status: int = 200, **extra: Any) -> Response:
    if visit.user is None or not visit.user.accounts_allowing(PortalAction.ASK_ABOUT_ACCOUNT):
        raise PageError(403)  # only administrators ask about the account; the cases service checks again
    return visit.render(
        "inquiry.html",
        status=status,
        accounts=await account_choices(visit),
        values=values,
        topics=labels.INQUIRY_TOPICS,
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/account/inquiry", response_class=HTMLResponse)
async def inquiry_form(visit: UserVisit, account_id: str = "", topic: str = "") -> Response:
    return await inquiry_page(
        visit, {"account_id": account_id or next(iter(administered(visit)), ""), "topic": topic}
    )


@router.post("/account/inquiry", response_class=HTMLResponse)
async def ask(visit: UserVisit) -> Response:
    values = typed(await visit.form(), INQUIRY_FIELDS)
    answer = await created(visit, {"type": "account_inquiry", **values})
    if answer.ok:
        return to_case(visit, answer)
    return await inquiry_page(
        visit,
        values,
        status=answer.status,
        errors=form_errors(visit, answer, INQUIRY_FIELDS, "subject"),
        problem=problem_text(visit, answer),
    )


# -- the device's location (F-31)
@router.post("/devices/{device_id}/location", response_class=HTMLResponse)
async def change_location(visit: UserVisit, device_id: str) -> Response:
    values = typed(await visit.form(), LOCATION_FIELDS)
    answer = await visit.call("accounts", "PATCH", f"{ACCOUNTS}/devices/{device_id}/location", json=values)
    if answer.ok:
        return visit.redirect(f"/devices/{device_id}?notice=location#device-location")
    return await device_view(
        visit,
        device_id,
        status=answer.status,
        location_values=values,
        location_errors=form_errors(visit, answer, LOCATION_FIELDS, "street"),
        location_problem=problem_text(visit, answer),
    )
