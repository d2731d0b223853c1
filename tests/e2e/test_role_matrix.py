"""Every role through the endpoints of cases, devices, readings, requests and account management, on its own
account's resources and another account's: the allowed answer, or 403 / 404 (SPEC §1, F-34)."""

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.system import first_match, text_of

pytestmark = pytest.mark.e2e
PASSWORD = "role matrix passphrase 9"
ROLES = (
    "administrator",
    "device_manager",
    "stock_manager",
    "device_stock_manager",
    "knowledge_user",
    "agent",
    "other_account_admin",
)


def invite(system, admin_token: str, account_id: str, role: str, device_ids: list[str]) -> str:
    """A new user of the role, through the invitation an administrator sends; returns their token."""
    email = f"{role}-{uuid.uuid4().hex[:6]}@iberica.example"
    with system.client(admin_token) as api:
        sent = api.post(
            f"/api/accounts/v1/accounts/{account_id}/invitations",
            json={"email": email, "role": role, "device_ids": device_ids},
        )
        assert sent.status_code == 201, sent.text
    [invitation] = system.inbox.wait_for(lambda m: email in m["To"])
    token = first_match(r"/invitations/([^\s\"<>/]+)", text_of(invitation), 1)
    with system.client() as api:
        accepted = api.post(
            "/api/accounts/v1/invitations/accept",
            json={"token": token, "name": role.replace("_", " ").title(), "password": PASSWORD},
        )
        assert accepted.status_code == 200, accepted.text
    return system.login(email, PASSWORD)


@pytest.fixture(scope="module")
def world(system):
    admin = system.login("admin@iberica.example")
    with system.client(admin) as api:
        devices = {d["serial"]: d for d in api.get("/api/accounts/v1/devices").json()["items"]}
        shared_device, unassigned = devices["ES3826C0002"], devices["ES1238M0004"]
        account_id = shared_device["account_id"]
        guide = next(g for g in api.get("/api/cases/v1/guides").json()["items"] if g["key"] == "paper-jam")
        own_run = api.post("/api/cases/v1/guide-runs", json={"guide_id": guide["id"]}).json()
        foreign_case = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": unassigned["id"],
                "type": "incident",
                "category": "other",
                "subject": "Matrix",
                "description": "A case on a device only the administrator sees.",
            },
        ).json()
    tokens = {
        "administrator": admin,
        "device_manager": system.login("devices@iberica.example"),
        "stock_manager": system.login("stock@iberica.example"),
        "device_stock_manager": invite(
            system, admin, account_id, "device_stock_manager", [shared_device["id"]]
        ),
        "knowledge_user": invite(system, admin, account_id, "knowledge_user", []),
        "agent": system.login("agent@canon.example"),
        "other_account_admin": system.login("admin@nordisk.example"),
    }
    with system.client(admin) as api:
        users = api.get(f"/api/accounts/v1/accounts/{account_id}/users").json()["items"]
    knowledge_user = next(u["user_id"] for u in users if u["role"] == "knowledge_user")
    invite(system, admin, account_id, "knowledge_user", [])  # someone to deactivate: nobody else uses them
    with system.client(admin) as api:
        users = api.get(f"/api/accounts/v1/accounts/{account_id}/users").json()["items"]
    to_deactivate = next(
        u["user_id"] for u in users if u["role"] == "knowledge_user" and u["user_id"] != knowledge_user
    )
    return {
        "tokens": tokens,
        "device": shared_device["id"],
        "account": account_id,
        "case": foreign_case["id"],
        "guide": guide["id"],
        "run": own_run["id"],
        "knowledge_user": knowledge_user,
        "to_deactivate": to_deactivate,
        "nobody": str(uuid.uuid4()),
    }


def guide_run_on_device(w):
    return {"guide_id": w["guide"], "device_id": w["device"]}


def guide_run_without_device(w):
    return {"guide_id": w["guide"]}


def guide_draft(w):
    return {
        "definition": {
            "category": "other",
            "title": {"en": "m"},
            "steps": [{"key": "s1", "text": {"en": "m"}}],
        }
    }


def incident(w):
    return {
        "type": "incident",
        "device_id": w["device"],
        "category": "other",
        "subject": "m",
        "description": "m",
    }


def order(w):
    return {"type": "consumables", "device_id": w["device"], "items": [{"sku": "C3826i-T-B", "quantity": 1}]}


def removal(w):
    return {
        "type": "removal",
        "device_id": w["device"],
        "removal": {"date": (date.today() + timedelta(days=30)).isoformat(), "reason": "matrix"},
    }


def inquiry(w):
    return {
        "type": "account_inquiry",
        "account_id": w["account"],
        "topic": "billing",
        "subject": "m",
        "description": "m",
    }


#            admin dm   sm   dsm  ku   agent other
MATRIX: list[tuple[str, str, Callable[[Any], dict[str, Any]] | None, tuple[int, ...]]] = [
    ("GET", "/api/accounts/v1/me", None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/cases/v1/cases", None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/meters/v1/due-readings", None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/meters/v1/rejected-readings", None, (403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/api/cases/v1/queue", None, (403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/api/notifications/v1/deliveries", None, (403, 403, 403, 403, 403, 200, 403)),
    (
        "POST",
        "/api/cases/v1/cases/{case}/status",
        lambda w: {"status": "closed"},  # never allowed from `new`
        (409, 404, 404, 404, 404, 409, 404),
    ),
    (
        "POST",
        "/api/accounts/v1/accounts/{account}/invitations",  # an existing member: refused, nothing changes
        lambda w: {"email": "devices@iberica.example", "role": "device_manager", "device_ids": []},
        (409, 403, 403, 403, 403, 409, 404),
    ),
    ("GET", "/api/accounts/v1/devices/{device}", None, (200, 200, 200, 200, 404, 200, 404)),
    ("GET", "/api/meters/v1/devices/{device}/readings", None, (200, 200, 404, 200, 404, 200, 404)),
    ("POST", "/api/cases/v1/cases", incident, (201, 201, 403, 201, 403, 403, 404)),
    ("POST", "/api/cases/v1/cases", order, (201, 403, 201, 201, 403, 403, 404)),
    ("POST", "/api/cases/v1/cases", removal, (201, 201, 403, 201, 403, 403, 404)),
    ("POST", "/api/cases/v1/cases", inquiry, (201, 403, 403, 403, 403, 403, 404)),
    ("GET", "/api/cases/v1/cases/{case}", None, (200, 404, 404, 404, 404, 200, 404)),
    (
        "PATCH",
        "/api/accounts/v1/devices/{device}/location",
        lambda w: {"room": "Sala 2"},
        (200, 200, 403, 200, 404, 200, 404),
    ),
    (
        "POST",
        "/api/cases/v1/cases/{case}/messages",
        lambda w: {"body": "m", "internal": False},
        (201, 404, 404, 404, 404, 201, 404),
    ),
    (
        "POST",
        "/api/cases/v1/cases/{case}/messages",
        lambda w: {"body": "m", "internal": True},
        (403, 404, 404, 404, 404, 201, 404),
    ),
    ("GET", "/api/cases/v1/devices/{device}/catalogue", None, (200, 200, 200, 200, 404, 200, 404)),
    # The fleet's state of the devices each caller sees, and the supplies of those whose supplies they keep.
    ("GET", "/api/cases/v1/offline-devices", None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/cases/v1/supplies", None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/cases/v1/devices/{device}/supplies", None, (200, 403, 200, 200, 404, 200, 404)),
    (
        "PUT",
        "/api/cases/v1/devices/{device}/shipping-instructions",
        lambda w: {"instructions": ""},
        (200, 403, 200, 200, 404, 403, 404),
    ),
    (
        "POST",
        "/api/cases/v1/devices/{device}/stock/C3826i-T-B/used",
        lambda w: {"quantity": 1000},  # more than on site: refused for whoever keeps the stock
        (409, 403, 409, 409, 404, 403, 404),
    ),
    ("GET", "/api/accounts/v1/registrations", None, (200, 403, 403, 403, 403, 200, 200)),
    ("GET", "/api/accounts/v1/accounts/{account}/users", None, (200, 403, 403, 403, 403, 200, 404)),
    ("GET", "/api/accounts/v1/accounts/{account}", None, (200, 200, 200, 200, 200, 200, 404)),
    ("GET", "/api/accounts/v1/accounts", None, (403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/api/accounts/v1/devices", None, (200, 200, 200, 200, 200, 200, 200)),
    # Changes that leave things as they are (the knowledge user keeps the role and no devices).
    (
        "PATCH",
        "/api/accounts/v1/accounts/{account}/users/{knowledge_user}",
        lambda w: {"role": "knowledge_user"},
        (200, 403, 403, 403, 403, 200, 404),
    ),
    (
        "PUT",
        "/api/accounts/v1/accounts/{account}/users/{knowledge_user}/devices",
        lambda w: {"device_ids": []},
        (200, 403, 403, 403, 403, 200, 404),
    ),
    (
        "POST",
        "/api/accounts/v1/registrations/{nobody}/approve",
        lambda w: {"role": "device_manager", "device_ids": []},
        (404, 404, 404, 404, 404, 404, 404),
    ),
    (
        "POST",
        "/api/cases/v1/cases/{case}/assign",
        lambda w: {"assignee_id": None},  # staff only, whoever sees it
        (403, 403, 403, 403, 403, 200, 403),
    ),
    (
        "POST",
        "/api/meters/v1/rejected-readings/{nobody}/review",
        lambda w: {"resolution": "dismissed"},
        (403, 403, 403, 403, 403, 404, 403),
    ),
    (
        "POST",
        "/api/meters/v1/devices/{device}/readings",
        lambda w: {"counters": {"black": 0, "colour": 0}},
        (409, 409, 403, 409, 403, 409, 404),
    ),  # lower than before: refused for whoever may submit
    ("POST", "/api/accounts/v1/registrations/{nobody}/refuse", None, (404, 404, 404, 404, 404, 404, 404)),
    (
        "DELETE",
        "/api/accounts/v1/accounts/{account}/invitations/{nobody}",
        None,
        (404, 403, 403, 403, 403, 404, 404),
    ),
    (
        "PATCH",
        "/api/accounts/v1/me",
        lambda w: {"phone": "+34 600 111 222"},
        (200, 200, 200, 200, 200, 200, 200),
    ),
    (
        "POST",
        "/api/meters/v1/devices/{device}/corrections",
        lambda w: {"kind": "counter_reset", "counters": ["black"], "reason": "role matrix"},
        (403, 403, 403, 403, 403, 201, 403),
    ),  # staff only, whoever sees the device
    # Last, as it changes something: the administrator deactivates; then it is done.
    (
        "POST",
        "/api/accounts/v1/accounts/{account}/users/{to_deactivate}/deactivate",
        None,
        (200, 403, 403, 403, 403, 200, 404),
    ),  # the agent finds it done already
    (
        "POST",
        "/api/accounts/v1/accounts/{account}/users/{to_deactivate}/reactivate",
        None,
        (200, 403, 403, 403, 403, 200, 404),
    ),
    ("GET", "/api/accounts/v1/accounts/{account}/audit", None, (200, 403, 403, 403, 403, 200, 404)),
    # Survey results are the supervisors' (the agent of this matrix is none); a survey link is its own credential:
    # whoever calls, a forged one is unknown and changes nothing.
    ("GET", "/api/cases/v1/reports/surveys?from=2026-01-01&to=2026-01-31", None, (403,) * 7),
    ("GET", "/api/cases/v1/reports/surveys.csv?from=2026-01-01&to=2026-01-31", None, (403,) * 7),
    ("GET", "/api/cases/v1/surveys/s1.{case}.{knowledge_user}.4102444800.forged", None, (404,) * 7),
    (
        "POST",
        "/api/cases/v1/surveys/s1.{case}.{knowledge_user}.4102444800.forged/answer",
        lambda w: {"rating": 5, "comment": "matrix"},
        (404,) * 7,
    ),
    # The vendor-only finance data (F-41): payments and credit status, and finding accounts, are the staff's alone;
    # releasing an order is the staff's (this incident waits for nothing: 409).
    ("GET", "/api/accounts/v1/accounts/{account}/finance", None, (403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/api/accounts/v1/accounts?q=ES-100234", None, (403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/api/cases/v1/cases/{case}/release", None, (403, 403, 403, 403, 403, 409, 403)),
    ("GET", "/docs/asyncapi.json", None, (200, 200, 200, 200, 200, 200, 200)),
    # Self-help (F-16, F-42): every role reads the guides of its account's models; customers who may report a
    # problem on the device run a guide on it, any customer without one; the run is its runner's; supervisors
    # alone write and publish (and nothing here changes a guide: every writer is refused).
    ("GET", "/api/cases/v1/guides", None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/cases/v1/guides?device_id={device}", None, (200, 200, 200, 200, 404, 200, 404)),
    ("GET", "/api/cases/v1/guides/{guide}", None, (200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/cases/v1/guide-runs", guide_run_on_device, (201, 201, 403, 201, 403, 403, 404)),
    ("POST", "/api/cases/v1/guide-runs", guide_run_without_device, (201, 201, 201, 201, 201, 403, 201)),
    ("GET", "/api/cases/v1/guide-runs/{run}", None, (200, 404, 404, 404, 404, 404, 404)),
    (
        "POST",
        "/api/cases/v1/guide-runs/{run}/answers",
        lambda w: {"step": "zz", "answer": "solved"},  # not the step it is at: refused for its runner too
        (409, 404, 404, 404, 404, 404, 404),
    ),
    ("GET", "/api/cases/v1/managed-guides", None, (403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/api/cases/v1/managed-guides/{guide}", None, (403, 403, 403, 403, 403, 403, 403)),
    ("PUT", "/api/cases/v1/managed-guides/{guide}/draft", guide_draft, (403, 403, 403, 403, 403, 403, 403)),
    ("POST", "/api/cases/v1/managed-guides/{guide}/publish", None, (403, 403, 403, 403, 403, 403, 403)),
]


@pytest.mark.parametrize(
    "method, path, body, expected",
    MATRIX,
    ids=[f"{m} {p} {b.__name__ if b and hasattr(b, '__name__') else ''}" for m, p, b, _ in MATRIX],
)
def test_every_role_gets_the_answer_its_role_allows(system, world, method, path, body, expected):
    url = path.format(**world)
    answers = {}
    for role, want in zip(ROLES, expected, strict=True):
        with system.client(world["tokens"][role]) as api:
            response = api.request(method, url, json=body(world) if body else None)
        answers[role] = (response.status_code, want)
    wrong = {role: got for role, got in answers.items() if got[0] != got[1]}
    assert not wrong, f"(answer, expected) per role: {wrong}"
