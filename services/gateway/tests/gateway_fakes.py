"""Stand-ins for the accounts, cases and meters services, answering the shapes the gateway relies on.
They run in-process behind an httpx transport that routes by host, and record every call they get."""

import copy
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from services.gateway.tests.calendar_fakes import FakeCalendars
from services.gateway.tests.guide_fakes import FakeGuides
from services.gateway.tests.service_contracts import contract_violation
from services.gateway.tests.survey_fakes import FakeSurveys
from shared.auth import Principal
from shared.errors import field_issue, status_code_name
from shared.permissions import (
    assignment_actions,
    department_actions,
    device_actions,
    portal_actions,
    routing_actions,
    routing_rule_actions,
    user_actions,
)

PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery staple"
ACCOUNT_ID, DEVICE_ID, CASE_ID = "acc-1", "dev-1", "case-1"
URLS = {name: f"http://{name}.internal" for name in ("accounts", "cases", "meters", "notifications")}
# Paths the proxy tests call to see what is forwarded: they stand in for no real operation.
PROXY_PROBES = (
    "/api/accounts/v1/echo/",
    "/api/cases/v1/anything",
    "/api/accounts/openapi.json",
    "/api/cases/openapi.json",
)


def problem(
    status: int, detail: str, errors: list[dict] | None = None, code: str | None = None
) -> JSONResponse:
    """A refusal as the services answer it: a code (the status's when none is named) and the fields at fault."""
    body = {
        "type": "about:blank",
        "title": "Invalid request",
        "status": status,
        "detail": detail,
        "code": code or status_code_name(status),
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def coded_problem(
    status: int, code: str, detail: str, params: dict | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Conflict",
            "status": status,
            "detail": detail,
            "code": code,
            "params": params or {},
            **extra,
        },
        status_code=status,
        media_type=PROBLEM,
    )


def section_of(html: str, heading_id: str) -> str:
    """The part of a page from a section's heading to the section's end ("" when the page has no such section)."""
    start = html.find(f'id="{heading_id}"')
    return "" if start < 0 else html[start : html.index("</section>", start)]


@dataclass
class Call:
    service: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeServices:
    mint: Callable[..., str]  # token_for from the root conftest
    calls: list[Call] = field(default_factory=list)
    staff_role: str | None = None
    language: str = "en"
    country: str | None = None  # the account's, as accounts puts it in the token
    token_lifetime: int = 600
    refresh_tokens: set[str] = field(default_factory=set)
    down: set[str] = field(default_factory=set)
    session_id: str = "session-0"
    cases: dict[str, dict] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # attachment id -> (name, bytes)
    readings: dict[str, list[dict]] = field(default_factory=dict)  # device id -> readings, the newest first
    due: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    emails: list[dict] = field(default_factory=list)  # the notifications service's delivery log, newest first
    role: str = "administrator"  # the visitor's role in ACCOUNT_ID
    registrations: list[dict] = field(default_factory=list)
    account_users: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    # The vendor-only finance of ACCOUNT_ID (F-41): its current credit status (None: none reported) and payments.
    credit: dict | None = None
    payments: list[dict] = field(default_factory=list)
    # department -> its members' user ids; the vendor's staff; the routing rules as (type, category) -> department
    department_members: dict[str, list[str]] = field(
        default_factory=lambda: {d: [] for d in ("technical_support", "supplies", "logistics", "accounts")}
    )
    staff: dict[str, dict] = field(
        default_factory=lambda: {
            "agent-1": {"user_id": "agent-1", "name": "Sven", "staff_role": "agent", "active": True},
            "user-1": {"user_id": "user-1", "name": "Ana García", "staff_role": "supervisor", "active": True},
        }
    )
    rules: dict[tuple[str, str | None], str] = field(
        default_factory=lambda: {
            ("incident", None): "technical_support",
            ("consumables", None): "supplies",
            ("relocation", None): "logistics",
            ("removal", None): "logistics",
            ("account_inquiry", None): "accounts",
        }
    )
    # The business-hours calendars and the service-level report (calendar_fakes.py).
    calendars: FakeCalendars = field(default_factory=FakeCalendars)
    # The surveys' links and results (survey_fakes.py).
    surveys: FakeSurveys = field(default_factory=FakeSurveys)
    # The self-help guides and runs (guide_fakes.py).
    guides: FakeGuides = field(default_factory=FakeGuides)
    # The fleet's view (the cases service): devices offline, and the supplies of the visitor's device.
    offline_devices: list[dict] = field(default_factory=list)
    supplies: dict = field(default_factory=lambda: copy.deepcopy(SUPPLIES))
    # Answers of the fakes the real services could not have given (see service_contracts.py).
    contract_violations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.me = {
            "id": "user-1",
            "email": "ana@example.com",
            "name": "Ana García",
            "phone": "",
            "language": self.language,
            "time_zone": "Europe/Madrid",
            "staff_role": self.staff_role,
            "notification_preferences": {"case_created": True, "case_message": False},
            "memberships": [
                {
                    "account_id": ACCOUNT_ID,
                    "account_number": "100200",
                    "account_name": "Acme SL",
                    "role": "administrator",
                }
            ],
        }
        self.device = {
            "id": DEVICE_ID,
            "account_id": ACCOUNT_ID,
            "account_name": "Acme SL",
            "serial": "SN-4711",
            "model": "imageRUNNER C3826i",
            "model_class": "colour",
            "counters": ["black", "colour"],
            "location": {
                "street": "Calle Mayor 1",
                "postal_code": "28013",
                "city": "Madrid",
                "region": "",
                "country": "ES",
                "building": "A",
                "floor": "2",
                "room": "201",
                "contact_name": "Luis",
                "contact_phone": "+34 600 000 000",
            },
            "contract_number": "C-77",
            "response_time_hours": 8,
            "assigned_user_ids": [],
        }
        now = dt.datetime.now(dt.UTC)
        self.cases[CASE_ID] = {
            "id": CASE_ID,
            "number": "CS-2026-000123",
            "status": "in_progress",
            "type": "incident",
            "category": "paper_jam",
            "subject": "Paper jam in tray 2",
            "description": "It jams <b>every</b> time.",
            "error_code": None,
            "device_id": DEVICE_ID,
            "account_id": ACCOUNT_ID,
            "created_at": (now - dt.timedelta(hours=5)).isoformat(),
            "updated_at": now.isoformat(),
            "response_due_at": (now + dt.timedelta(hours=3)).isoformat(),
            "received_outside_business_hours": False,
            "service_level": {
                "due_at": (now + dt.timedelta(hours=3)).isoformat(),
                "paused": False,
                "met": True,
                "breached": False,
                "at_risk": False,
                "received_outside_business_hours": False,
            },
            "department": "technical_support",
            "created_by": "user-1",
            "resolved_at": None,
            "details": None,
            "tracking_reference": None,
            "carrier": None,
            "device": {"id": DEVICE_ID, "serial": "SN-4711", "model": "imageRUNNER C3826i"},
            "timeline": [
                {
                    "kind": "message",
                    "at": (now - dt.timedelta(hours=4)).isoformat(),
                    "actor_id": "agent-1",
                    "actor_name": "Sven",
                    "actor_side": "vendor",
                    "body": "We are looking at it.",
                },
                {
                    "kind": "created",
                    "at": (now - dt.timedelta(hours=5)).isoformat(),
                    "actor_id": "user-1",
                    "actor_name": "Ana García",
                    "actor_side": "customer",
                },
                {
                    "kind": "status_changed",
                    "at": (now - dt.timedelta(hours=4, minutes=30)).isoformat(),
                    "actor_id": "agent-1",
                    "actor_name": "Sven",
                    "actor_side": "vendor",
                    "from_status": "new",
                    "to_status": "in_progress",
                },
            ],
            "allowed_transitions": ["waiting_for_customer", "resolved"],
        }

    # -- what the visitor may do, decided as the services decide it
    @property
    def principal(self) -> Principal:
        return Principal(
            "user-1", "session-1", memberships={ACCOUNT_ID: self.role}, staff_role=self.staff_role
        )

    def device_actions(self) -> list[str]:
        """The fake device is visible to the visitor, so it counts as assigned to them."""
        return device_actions(self.principal, ACCOUNT_ID, ["user-1"])

    def case_actions(self, case: dict) -> list[str]:
        if self.staff_role:
            moves = ["change_status"] if case["allowed_transitions"] else []
            assignment = assignment_actions(
                self.principal,
                assignee_id=case.get("assignee_id"),
                in_department="user-1" in self.department_members.get(case["department"], []),
                case_over=case["status"] in ("closed", "cancelled"),
            )
            release = ["release_order"] if case.get("awaiting_release") else []
            return ["reply", "add_internal_note", *moves, *assignment, *release]
        replies = [] if case["status"] in ("closed", "cancelled") else ["reply"]
        return replies + (["cancel"] if "cancelled" in case["allowed_transitions"] else [])

    # -- tokens
    def tokens(self) -> dict:
        """As accounts answers: a refresh keeps the session a login started."""
        refresh = uuid.uuid4().hex
        self.refresh_tokens.add(refresh)
        access = self.mint(
            "user-1",
            session_id=self.session_id,
            memberships={ACCOUNT_ID: self.role},
            staff_role=self.staff_role,
            language=self.me["language"],
            lifetime_seconds=self.token_lifetime,
            country=self.country,
        )
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": max(self.token_lifetime, 1),
            "refresh_token": refresh,
        }

    def of(self, service: str, method: str | None = None, path: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.service == service
            and (method is None or c.method == method)
            and (path is None or c.path == path)
        ]

    # -- apps
    def transport(self) -> httpx.AsyncBaseTransport:
        apps = {
            "accounts": self.accounts_app(),
            "cases": self.cases_app(),
            "meters": self.meters_app(),
            "notifications": self.notifications_app(),
        }
        routes = {
            httpx.URL(url).host: (name, httpx.ASGITransport(app=apps[name])) for name, url in URLS.items()
        }
        fakes = self

        class ByHost(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                name, transport = routes[request.url.host]
                if name in fakes.down:
                    raise httpx.ConnectError("connection refused", request=request)
                response = await transport.handle_async_request(request)
                await fakes.check_contract(name, request, response)
                return response

        return ByHost()

    def recorder(self, service: str, app: FastAPI) -> FastAPI:
        @app.middleware("http")
        async def record(request: Request, call_next):
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            self.calls.append(
                Call(
                    service,
                    request.method,
                    request.url.path,
                    request.url.query,
                    {k.lower(): v for k, v in request.headers.items()},
                    body,
                )
            )
            return await call_next(request)

        @app.get("/health/ready")
        async def ready():
            return {"status": "ready"}

        return app

    async def check_contract(self, service: str, request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.startswith(PROXY_PROBES):
            return
        body = await response.aread()
        answer = json.loads(body) if body and "json" in response.headers.get("content-type", "") else None
        violation = contract_violation(
            service, request.method, request.url.path, response.status_code, answer
        )
        if violation:
            self.contract_violations.append(violation)

    def case_answer(self, case: dict) -> dict:
        """A case as the cases service shows it to the visitor: staff see the vendor-only fields and notes."""
        case = {**case, "allowed_actions": self.case_actions(case)}
        if self.staff_role is None:
            return {**case, "timeline": [e for e in case["timeline"] if e["kind"] != "note"]}
        assignee = self.staff.get(case.get("assignee_id") or "")
        return {
            "assignee_id": None,
            "first_response_at": None,
            "paused_seconds": 0,
            "follower_ids": [],
            "followers": [],
            "breached": False,
            "at_risk": False,
            "account": {
                "id": ACCOUNT_ID,
                "number": "100200",
                "name": "Acme SL",
                "country": "ES",
                "credit_status": (self.credit or {}).get("status", "good"),
                "credit_reason": (self.credit or {}).get("reason", ""),
            },
            "customer": {
                "id": "user-1",
                "name": "Ana García",
                "email": "ana@example.com",
                "phone": "+34 600 1",
            },
            "other_open_cases": [],
            "other_open_cases_total": 0,
            **case,
            "device": {**case["device"], "response_time_hours": 8} if case.get("device") else None,
            "assignee": {"id": assignee["user_id"], "name": assignee["name"]} if assignee else None,
            "assignable": [
                {"id": person["user_id"], "name": person["name"]}
                for person in self.staff.values()
                if self.principal.is_supervisor
                or person["user_id"] in self.department_members[case["department"]]
            ],
        }

    def health_only(self, service: str) -> FastAPI:
        return self.recorder(service, FastAPI())

    def notifications_app(self) -> FastAPI:
        app = self.recorder("notifications", FastAPI())

        @app.get("/api/notifications/v1/deliveries")
        async def deliveries(about: str = "", limit: int = 20, offset: int = 0):
            chosen = [e for e in self.emails if about in e["subject"]]
            return {
                "items": chosen[offset : offset + limit],
                "total": len(chosen),
                "limit": limit,
                "offset": offset,
            }

        return app

    def accounts_app(self) -> FastAPI:
        app = self.recorder("accounts", FastAPI(openapi_url="/api/accounts/openapi.json"))
        base = "/api/accounts/v1"

        @app.post(f"{base}/auth/login")
        async def login(body: dict):
            if body.get("password") != PASSWORD:
                return problem(401, "Invalid credentials.")
            self.session_id = uuid.uuid4().hex  # a login starts a session
            return {**self.tokens(), "device_token": f"device-of-{body.get('email')}"}

        @app.post(f"{base}/auth/refresh")
        async def refresh(body: dict):
            if body.get("refresh_token") not in self.refresh_tokens:
                return problem(401, "Unknown refresh token.")
            self.refresh_tokens.discard(body["refresh_token"])
            return self.tokens()

        @app.post(f"{base}/auth/logout", status_code=204)
        async def logout():
            return None

        @app.get(f"{base}/me")
        async def me():
            return {**self.me, "allowed_actions": portal_actions(self.principal, [self.device_actions()])}

        @app.patch(f"{base}/me")
        async def update_me(body: dict):
            if body.get("time_zone") == "Mars/Olympus":
                return problem(
                    422,
                    "time_zone: unknown time zone",
                    [field_issue("time_zone", "unknown_time_zone", "Unknown time zone.")],
                )
            self.me.update({k: v for k, v in body.items() if k in self.me})
            return self.me

        @app.post(f"{base}/me/password")
        async def change_password(body: dict):
            if body.get("current_password") != PASSWORD:
                return problem(
                    422,
                    "current_password: wrong",
                    [
                        field_issue(
                            "current_password", "wrong_password", "The current password is not correct."
                        )
                    ],
                )
            if len(body.get("new_password") or "") < 12:
                return problem(
                    422,
                    "new_password: too short",
                    [field_issue("new_password", "too_short", "Too short.", min_length=12)],
                )
            return {"other_sessions_ended": 1}

        @app.get(f"{base}/devices")
        async def devices():
            return {"items": [{**self.device, "allowed_actions": self.device_actions()}]}

        @app.get(f"{base}/devices/{{device_id}}")
        async def device(device_id: str):
            if device_id != DEVICE_ID:
                return problem(404, "No device with this id is visible to you.")
            device = {**self.device, "allowed_actions": self.device_actions()}
            if self.role == "administrator" or self.staff_role:
                return {**device, "assigned_users": [{"user_id": "user-7", "name": "Luis Pérez"}]}
            return device

        @app.patch(f"{base}/devices/{{device_id}}/location")
        async def change_location(device_id: str, body: dict):
            if (
                self.role not in ("administrator", "device_manager", "device_stock_manager")
                and not self.staff_role
            ):
                return problem(403, "Only administrators and device managers update a device's location.")
            if len(body.get("postal_code") or "") > 20:
                return problem(
                    422,
                    "postal_code: too long",
                    [field_issue("body.postal_code", "too_long", "At most 20 characters.", max_length=20)],
                )
            self.device["location"].update(body)
            return self.device

        @app.post(f"{base}/registrations", status_code=202)
        async def register(body: dict):
            if body.get("serial") != "SN-4711":
                return problem(
                    422,
                    "serial: no such device on this account",
                    [
                        field_issue(
                            "serial", "serial_mismatch", "No device with this serial number on the account."
                        )
                    ],
                )
            return {"id": "reg-new", "status": "pending_verification"}

        @app.post(f"{base}/registrations/verify")
        async def verify(body: dict):
            return (
                {"status": "awaiting_approval"}
                if body.get("token") == "good"
                else problem(400, "This link has expired.")
            )

        @app.post(f"{base}/auth/password-reset", status_code=202)
        async def reset(body: dict):
            return {"status": "accepted"}

        @app.post(f"{base}/auth/password-reset/confirm", status_code=204)
        async def confirm(body: dict):
            if len(body.get("password", "")) < 12:
                return problem(
                    422,
                    "password: too short",
                    [field_issue("password", "too_short", "Use at least 12 characters.", min_length=12)],
                )
            return None

        @app.post(f"{base}/invitations/accept")
        async def accept(body: dict):
            return {"status": "accepted", "user_id": "user-2", "email": "new@example.com"}

        self.account_admin_routes(app, base)

        @app.get("/.well-known/jwks.json")
        async def jwks():
            return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc"}]}

        @app.post(f"{base}/echo/{{anything:path}}")
        async def echo(anything: str, request: Request):
            return JSONResponse(
                {"path": anything, "query": dict(request.query_params), "body": await request.json()},
                status_code=201,
                headers={"X-Upstream": "accounts"},
            )

        return app

    def account_admin_routes(self, app: FastAPI, base: str) -> None:
        """Registrations to decide, an account's users and its audit trail (F-01, F-02, F-34), with the accounts
        service's refusals: an unknown device (422), a member invited again (409), the last administrator and
        oneself (409)."""
        roles = ("administrator", "device_manager", "stock_manager", "device_stock_manager", "knowledge_user")

        def may_administer() -> bool:
            return self.role == "administrator" or self.staff_role is not None

        def unknown_devices(body: dict) -> JSONResponse | None:
            if any(device_id != DEVICE_ID for device_id in body.get("device_ids") or []):
                return problem(
                    422,
                    "device_ids: not a device of the account",
                    [
                        field_issue(
                            "device_ids",
                            "not_account_devices",
                            "Every device must be a device of the account.",
                        )
                    ],
                )
            return None

        def user(user_id: str) -> dict | None:
            return next((u for u in self.account_users if u["user_id"] == user_id), None)

        @app.get(f"{base}/registrations")
        async def registrations():
            if not may_administer():
                return problem(403, "Only administrators and the vendor's staff review registrations.")
            return {"items": list(self.registrations)}

        @app.post(f"{base}/registrations/{{registration_id}}/approve")
        async def approve(registration_id: str, body: dict):
            if body.get("role") not in roles:
                return problem(
                    422, "role: not a role", [field_issue("body.role", "not_a_choice", "Choose a role.")]
                )
            refused = unknown_devices(body)
            if refused:
                return refused
            self.registrations = [r for r in self.registrations if r["id"] != registration_id]
            return {"id": registration_id, "status": "approved", "user_id": "user-9"}

        @app.post(f"{base}/registrations/{{registration_id}}/refuse")
        async def refuse(registration_id: str):
            self.registrations = [r for r in self.registrations if r["id"] != registration_id]
            return {"id": registration_id, "status": "refused"}

        @app.get(f"{base}/accounts")
        async def accounts():
            if not self.staff_role:
                return problem(403, "Only the vendor's staff list every account.")
            place = {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "region": ""}
            return {
                "items": [
                    {
                        "id": ACCOUNT_ID,
                        "number": "100200",
                        "name": "Acme SL",
                        "country": "ES",
                        "language": "es",
                        "time_zone": "Europe/Madrid",
                        "active": True,
                        **place,
                    }
                ]
            }

        @app.get(f"{base}/accounts/{{account_id}}")
        async def account(account_id: str):
            """The staff's view with its credit status; a member's with the parts of the CRM's lists for them."""
            if account_id != ACCOUNT_ID or (self.staff_role is None and not self.role):
                return problem(404, "No account with this id is visible to you.")
            main = {
                "id": ACCOUNT_ID,
                "number": "100200",
                "name": "Acme SL",
                "country": "ES",
                "language": "es",
            }
            head_office = {
                "kind": "head_office",
                "street": "Calle Mayor 1",
                "city": "Madrid",
                "country": "ES",
            }
            billing = {"kind": "billing", "street": "Calle Mayor 3", "city": "Madrid", "country": "ES"}
            general = {"name": "Ana García", "topic": "general", "email": "ana@example.com"}
            payables = {"name": "Pilar Pagos", "topic": "billing", "email": "pagos@example.com"}
            everything = self.staff_role is not None or self.role == "administrator"
            answer = {
                **main,
                "time_zone": "Europe/Madrid",
                "addresses": [head_office, billing] if everything else [head_office],
                "contacts": [general, payables] if everything else [general],
            }
            if self.staff_role is None:
                return answer
            place = {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "region": ""}
            return {**answer, **place, "subdivision": "ES-MD", "active": True, "credit_status": self.credit}

        @app.get(f"{base}/accounts/{{account_id}}/finance")
        async def finance(account_id: str, limit: int = 20, offset: int = 0):
            if self.staff_role is None:
                return problem(403, "Only the vendor's staff read an account's finance.")
            return {
                "account_id": account_id,
                "credit_status": self.credit,
                "credit_history": [self.credit] if self.credit else [],
                "payments": {
                    "items": self.payments[offset : offset + limit],
                    "total": len(self.payments),
                    "limit": limit,
                    "offset": offset,
                },
            }

        @app.get(f"{base}/accounts/{{account_id}}/users")
        async def users(account_id: str):
            if not may_administer():
                return problem(403, "Only the account's administrators manage its users.")
            return {
                "items": [
                    {
                        **person,
                        "allowed_actions": user_actions(
                            person["role"], active=person["active"], member=not person.get("invited")
                        ),
                    }
                    for person in self.account_users
                ]
            }

        @app.post(f"{base}/accounts/{{account_id}}/invitations", status_code=201)
        async def invite(account_id: str, body: dict):
            if any(u["email"] == body.get("email") for u in self.account_users):
                return problem(
                    409,
                    "This person is already a user of the account.",
                    [field_issue("email", "already_member", "This person is already a user of the account.")],
                    code="already_member",
                )
            refused = unknown_devices(body)
            if refused:
                return refused
            return {"invitation_id": "inv-1", "expires_at": "2030-01-08T00:00:00+00:00"}

        def open_invitation(invitation_id: str) -> dict | None:
            return next((u for u in self.account_users if u.get("invitation_id") == invitation_id), None)

        @app.post(f"{base}/accounts/{{account_id}}/invitations/{{invitation_id}}/resend", status_code=201)
        async def resend(account_id: str, invitation_id: str):
            if open_invitation(invitation_id) is None:
                return problem(409, "This invitation is already accepted.", code="invitation_not_open")
            return {"invitation_id": invitation_id, "expires_at": "2030-01-08T00:00:00+00:00"}

        @app.delete(f"{base}/accounts/{{account_id}}/invitations/{{invitation_id}}", status_code=204)
        async def withdraw(account_id: str, invitation_id: str):
            person = open_invitation(invitation_id)
            if person is None:
                return problem(409, "This invitation is already accepted.", code="invitation_not_open")
            self.account_users.remove(person)
            return Response(status_code=204)

        @app.patch(f"{base}/accounts/{{account_id}}/users/{{user_id}}")
        async def change_role(account_id: str, user_id: str, body: dict):
            admins = [u for u in self.account_users if u["role"] == "administrator" and u["active"]]
            if body.get("role") != "administrator" and [u["user_id"] for u in admins] == [user_id]:
                return problem(
                    409, "The account would have no administrator left.", code="last_administrator"
                )
            user(user_id)["role"] = body["role"]
            return user(user_id)

        @app.put(f"{base}/accounts/{{account_id}}/users/{{user_id}}/devices")
        async def assign(account_id: str, user_id: str, body: dict):
            refused = unknown_devices(body)
            if refused:
                return refused
            user(user_id)["device_ids"] = body["device_ids"]
            return user(user_id)

        @app.post(f"{base}/accounts/{{account_id}}/users/{{user_id}}/deactivate")
        async def deactivate(account_id: str, user_id: str):
            if user_id == "user-1":
                return problem(409, "You cannot deactivate yourself.", code="cannot_deactivate_self")
            user(user_id)["active"] = False
            return user(user_id)

        @app.get(f"{base}/accounts/{{account_id}}/audit")
        async def audit(account_id: str, limit: int = 20, offset: int = 0, since: str = "", until: str = ""):
            if not may_administer():
                return problem(403, "Only the account's administrators see its audit trail.")
            if since and until and until < since:
                return problem(
                    422,
                    "until: before since",
                    [field_issue("until", "until_before_since", "The last day is before the first.")],
                )
            return {
                "items": self.audit[offset : offset + limit],
                "total": len(self.audit),
                "limit": limit,
                "offset": offset,
            }

    def cases_app(self) -> FastAPI:
        app = self.recorder("cases", FastAPI(openapi_url="/api/cases/openapi.json"))
        base = "/api/cases/v1"

        @app.get(f"{base}/cases")
        async def list_cases(request: Request):
            query = request.query_params
            if query.get("created_from") == "not-a-date":
                return problem(
                    422,
                    "created_from: invalid date",
                    [field_issue("created_from", "not_a_date", "Input should be a valid date.")],
                )
            items = [
                {
                    k: v
                    for k, v in case.items()
                    if k not in ("timeline", "allowed_transitions", "device", "details")
                }
                for case in map(self.case_answer, self.cases.values())
                if all(
                    not query.getlist(name) or case.get(name) in query.getlist(name)
                    for name in ("status", "type")
                )
            ]
            if query.get("sort") == "due":  # the soonest due first, those without a due time last
                items.sort(
                    key=lambda case: (case.get("response_due_at") is None, case.get("response_due_at") or "")
                )
            return {
                "items": items[: int(query.get("limit", 20))],
                "total": len(items) if query.get("status") else 45,
                "limit": int(query.get("limit", 20)),
                "offset": int(query.get("offset", 0)),
            }

        @app.get(f"{base}/cases/{{case_id}}")
        async def get_case(case_id: str):
            case = self.cases.get(case_id)
            if case is None:
                return problem(404, "No case with this id is visible to you.")
            return self.case_answer(case)

        @app.post(f"{base}/cases", status_code=201)
        async def create(body: dict):
            refused = self.refusal_of_new_case(body)
            if refused:
                return refused
            case = {
                **self.cases[CASE_ID],
                **body,
                "id": "case-2",
                "number": "CS-2026-000124",
                "status": "new",
                "timeline": [],
                "allowed_transitions": ["cancelled"],
                "details": details_of(body),
                "subject": body.get("subject") or f"{body['type']} request",
            }
            self.cases["case-2"] = case
            return self.case_answer(case)

        @app.get(f"{base}/offline-devices")
        async def offline_devices():
            return {"items": self.offline_devices}

        @app.get(f"{base}/supplies")
        async def supplies():
            keeps = self.role in TYPE_ROLES["consumables"]
            return {"items": [self.supplies] if keeps else []}

        @app.get(f"{base}/devices/{{device_id}}/supplies")
        async def device_supplies(device_id: str):
            if device_id != DEVICE_ID:
                return problem(404, "No device with this id is visible to you.")
            if self.role not in TYPE_ROLES["consumables"] and not self.staff_role:  # the staff read them
                return problem(403, "Your role does not keep this device's supplies.")
            return self.supplies

        @app.put(f"{base}/devices/{{device_id}}/shipping-instructions")
        async def instructions(device_id: str, body: dict):
            self.supplies["shipping_instructions"] = body["instructions"]
            return {"device_id": device_id, "instructions": body["instructions"]}

        @app.post(f"{base}/devices/{{device_id}}/stock/{{sku}}/used")
        async def used(device_id: str, sku: str, body: dict):
            line = next(s for s in self.supplies["stock"] if s["sku"] == sku)
            if body["quantity"] > line["quantity"]:
                return coded_problem(
                    409,
                    "not_enough_stock",
                    f"Only {line['quantity']} of {sku} are on site.",
                    {"on_site": line["quantity"], "item": line["name"]},
                )
            line["quantity"] -= body["quantity"]
            return line

        @app.get(f"{base}/devices/{{device_id}}/catalogue")
        async def catalogue(device_id: str):
            if device_id != DEVICE_ID:
                return problem(404, "No device with this id is visible to you.")
            return {"device_id": DEVICE_ID, "model": self.device["model"], "items": CATALOGUE}

        @app.post(f"{base}/cases/{{case_id}}/messages", status_code=201)
        async def message(case_id: str, http: Request):
            # JSON, or a form with files (multipart) as the real service takes both; files are kept by id.
            files = []
            if http.headers.get("content-type", "").startswith("multipart/form-data"):
                form = await http.form()
                body = {"body": str(form.get("body") or ""), "internal": form.get("internal") == "true"}
                for upload in form.getlist("attachments"):
                    content = await upload.read()  # type: ignore[union-attr]
                    file_id = uuid.uuid4().hex
                    self.files[file_id] = (upload.filename, content)  # type: ignore[union-attr]
                    files.append(
                        {
                            "id": file_id,
                            "filename": upload.filename,
                            "content_type": "image/png",
                            "size": len(content),
                        }  # type: ignore[union-attr]
                    )
            else:
                body = json.loads(await http.body() or b"{}")
            if not body.get("body"):
                return problem(422, "body: required", [field_issue("body", "required", "Write a message.")])
            kind = "note" if body.get("internal") else "message"
            entry = {
                "kind": kind,
                "at": dt.datetime.now(dt.UTC).isoformat(),
                "actor_id": "user-1",
                "actor_name": "Ana García",
                "actor_side": "vendor" if self.staff_role else "customer",
                "body": body["body"],
                "attachments": files,
            }
            self.cases[case_id]["timeline"].append(entry)
            message = {
                "id": uuid.uuid4().hex,
                "case_id": case_id,
                "author_id": entry["actor_id"],
                "author_side": entry["actor_side"],
                "body": entry["body"],
                "created_at": entry["at"],
            }
            return {**message, "internal": kind == "note"} if self.staff_role else message

        @app.get(f"{base}/cases/{{case_id}}/attachments/{{file_id}}")
        async def attachment(case_id: str, file_id: str):
            if file_id not in self.files:
                return problem(404, "No attachment with this id is visible to you.")
            name, content = self.files[file_id]
            return Response(
                content,
                media_type="image/png",
                headers={
                    "Content-Disposition": f'attachment; filename="{name}"',
                    "Content-Security-Policy": "default-src 'none'; sandbox",
                    "Set-Cookie": "leak=1",
                },
            )

        self.department_routes(app, base)
        self.console_routes(app, base)
        self.calendars.mount(app, base, lambda: self.principal, lambda: self.me["language"])
        self.surveys.mount(app, base, lambda: self.principal)
        self.guides.mount(app, base, lambda: self.principal, lambda: self.me["language"])

        @app.post(f"{base}/cases/{{case_id}}/status")
        async def status(case_id: str, body: dict):
            case = self.cases[case_id]
            if body.get("status") not in case["allowed_transitions"]:
                return coded_problem(
                    409,
                    "illegal_transition",
                    f"A case cannot go from {case['status']} to {body.get('status')}.",
                    params={"from_status": case["status"], "to_status": body.get("status")},
                )
            case["status"] = body["status"]
            return self.case_answer(case)

        @app.post(f"{base}/cases/{{case_id}}/release")
        async def release(case_id: str):
            case = self.cases[case_id]
            if not self.staff_role:
                return problem(403, "Only the vendor's staff release an order.")
            if not case.get("awaiting_release"):
                return coded_problem(
                    409, "not_awaiting_release", "Not waiting.", params={"number": case["number"]}
                )
            case["awaiting_release"] = False
            return self.case_answer(case)

        return app

    def queue_item(self, case: dict) -> dict:
        answer = self.case_answer(case)
        fields = ("id", "number", "subject", "status", "type", "category", "department", "created_at")
        return {
            **{name: case[name] for name in fields},
            "response_due_at": case.get("response_due_at"),
            "first_response_at": None,
            "paused": case["status"] == "waiting_for_customer",
            "breached": case.get("breached", False),
            "at_risk": case.get("at_risk", False),
            "account": answer["account"],
            "device": case.get("device"),
            "assignee": answer["assignee"],
            "allowed_actions": answer["allowed_actions"],
        }

    def console_routes(self, app: FastAPI, base: str) -> None:
        """The agents' queue and assignment (F-40) with the cases service's rules, as far as the pages need them:
        the caller's departments (a supervisor: every one), a department not theirs (403), an assignee and the
        unassigned filter together (422), an assignee outside the case's department (422)."""

        @app.get(f"{base}/queue")
        async def queue(request: Request):
            query = request.query_params
            if not self.staff_role:
                return problem(403, "Only staff.")
            if query.get("unassigned") and query.get("assignee_id"):
                return field_problem(
                    "unassigned", "conflicting_filters", "cannot be combined with assignee_id"
                )
            own = [d for d, members in self.department_members.items() if "user-1" in members]
            departments = own + [
                d for d in self.department_members if d not in own and self.principal.is_supervisor
            ]
            if query.get("department") and query["department"] not in departments:
                return coded_problem(
                    403, "not_in_department", "Not yours.", {"department": query["department"]}
                )
            wanted = [query["department"]] if query.get("department") else departments
            cases = [c for c in self.cases.values() if c["department"] in wanted and c["status"] in OPEN]
            limit, offset = int(query.get("limit", 20)), int(query.get("offset", 0))
            return {
                "items": [self.queue_item(c) for c in cases[offset : offset + limit]],
                "total": len(cases),
                "limit": limit,
                "offset": offset,
                "departments": [self.department_queue(d, own) for d in departments],
            }

        @app.post(f"{base}/cases/{{case_id}}/assign")
        async def assign(case_id: str, body: dict):
            case = self.cases[case_id]
            assignee = body.get("assignee_id")
            members = self.department_members[case["department"]]
            if assignee and assignee not in members and not self.principal.is_supervisor:
                return field_problem(
                    "assignee_id", "not_department_member", "not in it", department=case["department"]
                )
            case["assignee_id"] = assignee
            return self.case_answer(case)

    def department_queue(self, department: str, own: list[str]) -> dict:
        cases = [c for c in self.cases.values() if c["department"] == department and c["status"] in OPEN]
        return {
            "department": department,
            "member": department in own,
            "open": len(cases),
            "breached": sum(1 for c in cases if c.get("breached")),
            "unassigned": sum(1 for c in cases if not c.get("assignee_id")),
        }

    def department_answer(self, department: str) -> dict:
        return {
            "department": department,
            "members": [self.staff[user_id] for user_id in self.department_members[department]],
            "allowed_actions": department_actions(self.principal),
        }

    def rule_answer(self, case_type: str, category: str | None) -> dict:
        return {
            "type": case_type,
            "category": category,
            "department": self.rules[(case_type, category)],
            "updated_at": dt.datetime.now(dt.UTC).isoformat(),
            "allowed_actions": routing_rule_actions(self.principal, default_rule=category is None),
        }

    def department_routes(self, app: FastAPI, base: str) -> None:
        """Departments and routing rules with the cases service's rules, as far as the page needs them."""
        categories = {
            "incident": ["paper_jam", "print_quality", "other"],
            "consumables": [],
            "relocation": [],
            "removal": [],
            "account_inquiry": ["invoice", "other"],
        }

        def not_supervisor() -> JSONResponse | None:
            return None if self.principal.is_supervisor else problem(403, "Only supervisors.")

        @app.get(f"{base}/departments")
        async def departments():
            if not self.staff_role:
                return problem(403, "Only staff.")
            return {
                "items": [self.department_answer(d) for d in self.department_members],
                "staff": list(self.staff.values()),
            }

        @app.put(f"{base}/departments/{{department}}/members/{{user_id}}")
        async def add_member(department: str, user_id: str):
            if refusal := not_supervisor():
                return refusal
            if user_id not in self.staff:
                return coded_problem(404, "unknown_user", "No such user.", {"user_id": user_id})
            if user_id not in self.department_members[department]:
                self.department_members[department].append(user_id)
            return self.department_answer(department)

        @app.delete(f"{base}/departments/{{department}}/members/{{user_id}}")
        async def remove_member(department: str, user_id: str):
            if refusal := not_supervisor():
                return refusal
            members = self.department_members[department]
            self.department_members[department] = [m for m in members if m != user_id]
            return self.department_answer(department)

        @app.get(f"{base}/routing-rules")
        async def rules():
            return not_supervisor() or {
                "items": [self.rule_answer(t, c) for t, c in self.rules],
                "categories": categories,
                "allowed_actions": routing_actions(self.principal),
            }

        @app.put(f"{base}/routing-rules/{{case_type}}")
        @app.put(f"{base}/routing-rules/{{case_type}}/{{category}}")
        async def set_rule(case_type: str, body: dict, category: str | None = None):
            if refusal := not_supervisor():
                return refusal
            if category is not None and category not in categories[case_type]:
                issue = field_issue(
                    "category", "not_a_category", "no such category", type=case_type, category=category
                )
                return problem(422, "category: no such category", [issue])
            self.rules[(case_type, category)] = body["department"]
            return self.rule_answer(case_type, category)

        @app.delete(f"{base}/routing-rules/{{case_type}}/{{category}}", status_code=204)
        async def delete_rule(case_type: str, category: str):
            if refusal := not_supervisor():
                return refusal
            if self.rules.pop((case_type, category), None) is None:
                return problem(404, "No such rule.")
            return Response(status_code=204)

    def meters_app(self) -> FastAPI:
        """Readings with the meters service's rules, as far as the pages need them: lower than before, one per
        day, confirmation of an implausible jump (black above 10,000,000), 422 for a value that is not a number."""
        app = self.recorder("meters", FastAPI())
        base = "/api/meters/v1"
        if not self.readings:
            self.readings[DEVICE_ID] = [
                {
                    "id": "reading-1",
                    "local_date": "2026-03-02",
                    "read_at": "2026-03-02T10:00:00+00:00",
                    "counters": {"black": 123456, "colour": 7890},
                    "source": "automatic",
                    "submitted_by": None,
                    "submitted_by_name": None,
                    "confirmed_implausible": False,
                }
            ]

        @app.get(f"{base}/devices/{{device_id}}/readings")
        async def readings(device_id: str, limit: int = 20, offset: int = 0):
            items = self.readings.get(device_id, [])
            return {
                "device_id": device_id,
                "counters": ["black", "colour"],
                "total": len(items),
                "limit": limit,
                "offset": offset,
                "latest": items[0] if items else None,
                "items": items[offset : offset + limit],
            }

        @app.post(f"{base}/devices/{{device_id}}/readings", status_code=201)
        async def submit(device_id: str, body: dict):
            return self.reading_answer(device_id, body)

        @app.get(f"{base}/due-readings")
        async def due():
            return {"items": list(self.due)}

        @app.get(f"{base}/rejected-readings")
        async def rejected(reviewed: bool = False):
            items = [item for item in self.rejected if (item["reviewed_at"] is not None) == reviewed]
            return {"items": items, "total": len(items), "limit": 20, "offset": 0}

        @app.post(f"{base}/rejected-readings/{{rejection_id}}/review")
        async def review(rejection_id: str, body: dict):
            item = next(
                (i for i in self.rejected if i["id"] == rejection_id and i["reviewed_at"] is None), None
            )
            if item is None:
                return problem(
                    409, "This rejected reading has already been reviewed.", code="already_reviewed"
                )
            item.update(reviewed_at=dt.datetime.now(dt.UTC).isoformat(), resolution=body["resolution"])
            return item

        @app.post(f"{base}/devices/{{device_id}}/corrections", status_code=201)
        async def correct(device_id: str, body: dict):
            if not body.get("reason"):
                return problem(422, "reason: required", [field_issue("reason", "required", "Give a reason.")])
            return {
                "id": "correction-1",
                "device_id": device_id,
                "counters": [],
                **body,
                "recorded_by": "user-1",
                "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
            }

        return app

    def reading_answer(self, device_id: str, body: dict):
        counters = body.get("counters") or {}
        wrong = [name for name, value in counters.items() if not isinstance(value, int)]
        if wrong:
            return problem(
                422,
                f"counters.{wrong[0]}: not a whole number",
                [field_issue(f"counters.{wrong[0]}", "not_a_whole_number", "must be a whole number")],
            )
        history = self.readings.setdefault(device_id, [])
        today = dt.date.today().isoformat()
        if history and history[0]["local_date"] == today:
            return coded_problem(
                409,
                "already_read_today",
                "This device already has a reading for today.",
                params={"date": today},
                local_date=today,
            )
        previous = history[0]["counters"] if history else {}
        for name, value in counters.items():
            if value < previous.get(name, 0):
                return coded_problem(
                    409,
                    "lower_than_previous",
                    f"The {name} counter cannot be lower than {previous[name]}, the value of "
                    f"{history[0]['local_date']}.",
                    params={"counter": name, "previous": previous[name], "date": history[0]["local_date"]},
                    counter=name,
                    previous_value=previous[name],
                    previous_date=history[0]["local_date"],
                )
        if counters.get("black", 0) > 10_000_000 and not body.get("confirm"):
            return coded_problem(
                409,
                "confirmation_required",
                "The black counter implies 9,876,543 pages a day; this device usually prints 120.",
                params={"counter": "black", "implied": 9876543, "usual": 120},
                counter="black",
                implied_per_day=9876543,
                usual_per_day=120,
            )
        reading = {
            "id": uuid.uuid4().hex,
            "local_date": today,
            "read_at": dt.datetime.now(dt.UTC).isoformat(),
            "counters": counters,
            "source": "agent" if self.staff_role else "customer",
            "submitted_by": "user-1",
            "submitted_by_name": "Ana García",
            "confirmed_implausible": bool(body.get("confirm")),
        }
        history.insert(0, reading)
        return JSONResponse(reading, status_code=201)

    def refusal_of_new_case(self, body: dict) -> JSONResponse | None:
        kind = body.get("type")
        if kind in TYPE_ROLES and self.role not in TYPE_ROLES[kind]:
            return problem(403, f"Your role may not open {kind} cases.")
        if kind == "consumables":
            return order_refusal(body)
        if kind == "relocation" and not is_future(body["relocation"].get("preferred_date")):
            return field_problem("relocation.preferred_date", "must_be_future", "must be a future date")
        if kind == "removal" and not is_future(body["removal"].get("date")):
            return field_problem("removal.date", "must_be_future", "must be a future date")
        if kind == "account_inquiry" and body.get("topic") not in ("invoice", "contract", "billing", "other"):
            return field_problem(
                "topic", "not_a_choice", "Input should be 'invoice', 'contract', 'billing' or 'other'"
            )
        if kind in ("incident", "account_inquiry") and not body.get("subject"):
            return problem(422, "subject: required", [field_issue("subject", "required", "Field required")])
        return None


# The catalogue of the device's model (F-30) and the cases service's rules for the new types, as far as the pages
# need them: the role of each type (403), a quantity above the limit, a city missing from another address, a date
# that is not in the future, a topic that does not exist (422, naming the field as sent).
CATALOGUE = [
    {"sku": "TN-BK", "kind": "toner_black", "name": "Toner black C-EXV 54", "max_quantity_per_order": 4},
    {"sku": "TN-C", "kind": "toner_cyan", "name": "Toner cyan C-EXV 54", "max_quantity_per_order": 2},
    {"sku": "DR-1", "kind": "drum", "name": "Drum unit", "max_quantity_per_order": 1},
]
OPEN = ("new", "in_progress", "waiting_for_customer")
# The supplies of the device (its black toner running low, two on site) as the cases service answers them.
SUPPLIES: dict[str, Any] = {
    "device_id": DEVICE_ID,
    "serial": "SN-4711",
    "model": "imageRUNNER C3826i",
    "shipping_instructions": "Goods reception, 8-14",
    "may_change": True,
    "toners": [
        {
            "colour": "black",
            "level": 12,
            "reported_at": "2026-03-01T09:00:00Z",
            "enough_data": True,
            "days": 6,
            "days_min": 5,
            "days_max": 8,
            "low": True,
            "sku": "TN-BK",
            "item_name": "Toner black C-EXV 54",
            "on_site": 2,
            "days_with_stock": 106,
            "order_open": False,
            "suggest_order": True,
        }
    ],
    "stock": [
        {"sku": "TN-BK", "name": "Toner black C-EXV 54", "kind": "toner_black", "quantity": 2},
        {"sku": "TN-C", "name": "Toner cyan C-EXV 54", "kind": "toner_cyan", "quantity": 0},
    ],
}
TYPE_ROLES = {
    "consumables": ("administrator", "stock_manager", "device_stock_manager"),
    "relocation": ("administrator", "device_manager", "device_stock_manager"),
    "removal": ("administrator", "device_manager", "device_stock_manager"),
    "account_inquiry": ("administrator",),
}


def field_problem(field_name: str, code: str, message: str, **params: Any) -> JSONResponse:
    return problem(422, f"{field_name}: {message}", [field_issue(field_name, code, message, **params)])


def is_future(value: Any) -> bool:
    try:
        return dt.date.fromisoformat(str(value)) > dt.date.today()
    except ValueError:
        return False


def order_refusal(body: dict) -> JSONResponse | None:
    limits = {item["sku"]: item["max_quantity_per_order"] for item in CATALOGUE}
    names = {item["sku"]: item["name"] for item in CATALOGUE}
    for index, line in enumerate(body.get("items") or []):
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or quantity < 1:
            return field_problem(
                f"items.{index}.quantity", "not_a_whole_number", "Input should be a valid integer"
            )
        if quantity > limits.get(line.get("sku"), 0):
            return field_problem(
                f"items.{index}.quantity",
                "too_many",
                f"at most {limits.get(line.get('sku'))} of {line.get('sku')} per order",
                max=limits.get(line.get("sku")),
                item=names[line.get("sku")],
            )
    shipping = body.get("shipping") or {}
    if shipping.get("use_device_location") is False and not shipping.get("city"):
        return field_problem(
            "shipping.city", "too_short", "String should have at least 1 character", min_length=1
        )
    return None


def details_of(body: dict) -> dict | None:
    """What the cases service keeps of each request (GET /cases/{id} `details`)."""
    kind = body.get("type")
    if kind == "consumables":
        names = {item["sku"]: item for item in CATALOGUE}
        return {
            "items": [
                {
                    "sku": line["sku"],
                    "kind": names[line["sku"]]["kind"],
                    "name": names[line["sku"]]["name"],
                    "quantity": line["quantity"],
                }
                for line in body["items"]
            ],
            "shipping": body["shipping"],
        }
    if kind in ("relocation", "removal"):
        return body[kind]
    if kind == "account_inquiry":
        return {"topic": body["topic"]}
    return None


# -- helpers for the tests
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def gateway_settings(**overrides: Any):
    from gateway.settings import Settings

    return Settings(
        accounts_url=URLS["accounts"],
        cases_url=URLS["cases"],
        meters_url=URLS["meters"],
        notifications_url=URLS["notifications"],
        session_secret="test-secret",
        **overrides,
    )


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def submit(client: httpx.AsyncClient, page: str, action: str, data: dict, **kwargs) -> httpx.Response:
    """Open a page, then post its form with the CSRF token it carries, as a browser does."""
    shown = await client.get(page, **kwargs)
    return await client.post(action, data={**data, "csrf_token": csrf_of(shown.text)}, **kwargs)


async def log_in(
    client: httpx.AsyncClient, email: str = "ana@example.com", password: str = PASSWORD, **kwargs
) -> httpx.Response:
    return await submit(
        client, "/login", "/login", {"email": email, "password": password, "next": "/"}, **kwargs
    )
