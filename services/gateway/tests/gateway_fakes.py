"""Stand-ins for the accounts, cases and meters services, answering the shapes the gateway relies on.
They run in-process behind an httpx transport that routes by host, and record every call they get."""

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery staple"
ACCOUNT_ID, DEVICE_ID, CASE_ID = "acc-1", "dev-1", "case-1"
URLS = {name: f"http://{name}.internal" for name in ("accounts", "cases", "meters", "notifications")}


def problem(status: int, detail: str, errors: list[dict] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": "Invalid request", "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def coded_problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": "Conflict", "status": status, "detail": detail,
                         "code": code, **extra}, status_code=status, media_type=PROBLEM)


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
    token_lifetime: int = 600
    refresh_tokens: set[str] = field(default_factory=set)
    down: set[str] = field(default_factory=set)
    cases: dict[str, dict] = field(default_factory=dict)
    readings: dict[str, list[dict]] = field(default_factory=dict)  # device id -> readings, the newest first
    due: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.me = {"id": "user-1", "email": "ana@example.com", "name": "Ana García", "phone": "",
                   "language": self.language, "time_zone": "Europe/Madrid", "staff_role": self.staff_role,
                   "notification_preferences": {"case_created": True, "case_message": False},
                   "memberships": [{"account_id": ACCOUNT_ID, "account_number": "100200", "account_name": "Acme SL",
                                    "role": "administrator"}]}
        self.device = {"id": DEVICE_ID, "account_id": ACCOUNT_ID, "account_name": "Acme SL", "serial": "SN-4711",
                       "model": "imageRUNNER C3826i", "model_class": "colour", "counters": ["black", "colour"],
                       "location": {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid",
                                    "region": "", "country": "ES", "building": "A", "floor": "2", "room": "201",
                                    "contact_name": "Luis", "contact_phone": "+34 600 000 000"},
                       "contract_number": "C-77", "response_time_hours": 8, "assigned_user_ids": []}
        now = dt.datetime.now(dt.UTC)
        self.cases[CASE_ID] = {
            "id": CASE_ID, "number": "CS-2026-000123", "status": "in_progress", "type": "incident",
            "category": "paper_jam", "subject": "Paper jam in tray 2", "description": "It jams <b>every</b> time.",
            "error_code": None, "device_id": DEVICE_ID, "account_id": ACCOUNT_ID,
            "created_at": (now - dt.timedelta(hours=5)).isoformat(), "updated_at": now.isoformat(),
            "response_due_at": (now + dt.timedelta(hours=3)).isoformat(),
            "device": {"id": DEVICE_ID, "serial": "SN-4711", "model": "imageRUNNER C3826i"},
            "timeline": [
                {"kind": "message", "at": (now - dt.timedelta(hours=4)).isoformat(), "actor_id": "agent-1",
                 "actor_name": "Sven", "actor_side": "vendor", "body": "We are looking at it."},
                {"kind": "created", "at": (now - dt.timedelta(hours=5)).isoformat(), "actor_id": "user-1",
                 "actor_name": "Ana García", "actor_side": "customer"},
                {"kind": "status_changed", "at": (now - dt.timedelta(hours=4, minutes=30)).isoformat(),
                 "actor_id": "agent-1", "actor_name": "Sven", "actor_side": "vendor", "from_status": "new",
                 "to_status": "in_progress"},
            ],
            "allowed_transitions": ["waiting_for_customer", "resolved"],
        }

    # -- tokens
    def tokens(self) -> dict:
        refresh = uuid.uuid4().hex
        self.refresh_tokens.add(refresh)
        access = self.mint("user-1", memberships={ACCOUNT_ID: "administrator"}, staff_role=self.staff_role,
                           language=self.me["language"], lifetime_seconds=self.token_lifetime)
        return {"access_token": access, "token_type": "bearer", "expires_in": max(self.token_lifetime, 1),
                "refresh_token": refresh}

    def of(self, service: str, method: str | None = None, path: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.service == service and (method is None or c.method == method)
                and (path is None or c.path == path)]

    # -- apps
    def transport(self) -> httpx.AsyncBaseTransport:
        apps = {"accounts": self.accounts_app(), "cases": self.cases_app(), "meters": self.meters_app(),
                "notifications": self.health_only("notifications")}
        routes = {httpx.URL(url).host: (name, httpx.ASGITransport(app=apps[name])) for name, url in URLS.items()}
        fakes = self

        class ByHost(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                name, transport = routes[request.url.host]
                if name in fakes.down:
                    raise httpx.ConnectError("connection refused", request=request)
                return await transport.handle_async_request(request)

        return ByHost()

    def recorder(self, service: str, app: FastAPI) -> FastAPI:
        @app.middleware("http")
        async def record(request: Request, call_next):
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            self.calls.append(Call(service, request.method, request.url.path, request.url.query,
                                   {k.lower(): v for k, v in request.headers.items()}, body))
            return await call_next(request)

        @app.get("/health/ready")
        async def ready():
            return {"status": "ready"}

        return app

    def health_only(self, service: str) -> FastAPI:
        return self.recorder(service, FastAPI())

    def accounts_app(self) -> FastAPI:
        app = self.recorder("accounts", FastAPI(openapi_url="/api/accounts/openapi.json"))
        base = "/api/accounts/v1"

        @app.post(f"{base}/auth/login")
        async def login(body: dict):
            if body.get("password") != PASSWORD:
                return problem(401, "Invalid credentials.")
            return self.tokens()

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
            return self.me

        @app.patch(f"{base}/me")
        async def update_me(body: dict):
            if body.get("time_zone") == "Mars/Olympus":
                return problem(422, "time_zone: unknown time zone",
                               [{"field": "time_zone", "message": "Unknown time zone."}])
            self.me.update({k: v for k, v in body.items() if k in self.me})
            return self.me

        @app.get(f"{base}/devices")
        async def devices():
            return {"items": [self.device]}

        @app.get(f"{base}/devices/{{device_id}}")
        async def device(device_id: str):
            if device_id != DEVICE_ID:
                return problem(404, "No device with this id is visible to you.")
            return self.device

        @app.post(f"{base}/registrations", status_code=202)
        async def register(body: dict):
            if body.get("serial") != "SN-4711":
                return problem(422, "serial: no such device on this account",
                               [{"field": "serial", "message": "No device with this serial number on the account."}])
            return {"status": "pending_verification"}

        @app.post(f"{base}/registrations/verify")
        async def verify(body: dict):
            return {"status": "awaiting_approval"} if body.get("token") == "good" else problem(
                400, "This link has expired.")

        @app.post(f"{base}/auth/password-reset", status_code=202)
        async def reset(body: dict):
            return None

        @app.post(f"{base}/auth/password-reset/confirm", status_code=204)
        async def confirm(body: dict):
            if len(body.get("password", "")) < 12:
                return problem(422, "password: too short",
                               [{"field": "password", "message": "Use at least 12 characters."}])
            return None

        @app.post(f"{base}/invitations/accept", status_code=201)
        async def accept(body: dict):
            return {"user_id": "user-2"}

        @app.get("/.well-known/jwks.json")
        async def jwks():
            return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc"}]}

        @app.post(f"{base}/echo/{{anything:path}}")
        async def echo(anything: str, request: Request):
            return JSONResponse({"path": anything, "query": dict(request.query_params), "body": await request.json()},
                                status_code=201, headers={"X-Upstream": "accounts"})

        return app

    def cases_app(self) -> FastAPI:
        app = self.recorder("cases", FastAPI(openapi_url="/api/cases/openapi.json"))
        base = "/api/cases/v1"

        @app.get(f"{base}/cases")
        async def list_cases(request: Request):
            query = request.query_params
            if query.get("created_from") == "not-a-date":
                return problem(422, "created_from: invalid date",
                               [{"field": "created_from", "message": "Input should be a valid date."}])
            items = [{k: v for k, v in case.items() if k not in ("timeline", "allowed_transitions", "device")}
                     for case in self.cases.values()
                     if not query.get("status") or case["status"] == query["status"]]
            return {"items": items, "total": len(items) if query.get("status") else 45,
                    "page": int(query.get("page", 1)), "page_size": int(query.get("page_size", 20))}

        @app.get(f"{base}/cases/{{case_id}}")
        async def get_case(case_id: str):
            case = self.cases.get(case_id)
            if case is None:
                return problem(404, "No case with this id is visible to you.")
            if self.staff_role is None:
                case = {**case, "timeline": [e for e in case["timeline"] if e["kind"] != "note"]}
            return case

        @app.post(f"{base}/cases", status_code=201)
        async def create(body: dict):
            if not body.get("subject"):
                return problem(422, "subject: required", [{"field": "subject", "message": "Field required"}])
            case = {**self.cases[CASE_ID], **body, "id": "case-2", "number": "CS-2026-000124", "status": "new",
                    "timeline": [], "allowed_transitions": ["cancelled"]}
            self.cases["case-2"] = case
            return case

        @app.post(f"{base}/cases/{{case_id}}/messages", status_code=201)
        async def message(case_id: str, body: dict):
            if not body.get("body"):
                return problem(422, "body: required", [{"field": "body", "message": "Write a message."}])
            kind = "note" if body.get("internal") else "message"
            self.cases[case_id]["timeline"].append({"kind": kind, "at": dt.datetime.now(dt.UTC).isoformat(),
                                                    "actor_id": "user-1", "actor_name": "Ana García",
                                                    "actor_side": "vendor" if self.staff_role else "customer",
                                                    "body": body["body"]})
            return {"id": uuid.uuid4().hex}

        @app.post(f"{base}/cases/{{case_id}}/status")
        async def status(case_id: str, body: dict):
            case = self.cases[case_id]
            if body.get("status") not in case["allowed_transitions"]:
                return problem(409, f"A case cannot go from {case['status']} to {body.get('status')}.")
            case["status"] = body["status"]
            return case

        return app

    def meters_app(self) -> FastAPI:
        """Readings with the meters service's rules, as far as the pages need them: lower than before, one per
        day, confirmation of an implausible jump (black above 10,000,000), 422 for a value that is not a number."""
        app = self.recorder("meters", FastAPI())
        base = "/api/meters/v1"
        if not self.readings:
            self.readings[DEVICE_ID] = [{
                "id": "reading-1", "local_date": "2026-03-02", "read_at": "2026-03-02T10:00:00+00:00",
                "counters": {"black": 123456, "colour": 7890}, "source": "automatic", "submitted_by": None,
                "submitted_by_name": None, "confirmed_implausible": False}]

        @app.get(f"{base}/devices/{{device_id}}/readings")
        async def readings(device_id: str, page: int = 1, page_size: int = 20):
            items = self.readings.get(device_id, [])
            return {"device_id": device_id, "counters": ["black", "colour"], "total": len(items),
                    "page": page, "page_size": page_size, "latest": items[0] if items else None,
                    "items": items[(page - 1) * page_size:page * page_size]}

        @app.post(f"{base}/devices/{{device_id}}/readings", status_code=201)
        async def submit(device_id: str, body: dict):
            return self.reading_answer(device_id, body)

        @app.get(f"{base}/due-readings")
        async def due():
            return {"items": list(self.due)}

        @app.get(f"{base}/rejected-readings")
        async def rejected(reviewed: bool = False):
            return {"items": [item for item in self.rejected if (item["reviewed_at"] is not None) == reviewed]}

        @app.post(f"{base}/rejected-readings/{{rejection_id}}/review")
        async def review(rejection_id: str, body: dict):
            item = next((i for i in self.rejected if i["id"] == rejection_id and i["reviewed_at"] is None), None)
            if item is None:
                return problem(404, "This rejected reading has already been reviewed.")
            item.update(reviewed_at=dt.datetime.now(dt.UTC).isoformat(), resolution=body["resolution"])
            return item

        @app.post(f"{base}/devices/{{device_id}}/corrections", status_code=201)
        async def correct(device_id: str, body: dict):
            if not body.get("reason"):
                return problem(422, "reason: required", [{"field": "reason", "message": "Give a reason."}])
            return {"id": "correction-1", "device_id": device_id, **body}

        return app

    def reading_answer(self, device_id: str, body: dict):
        counters = body.get("counters") or {}
        wrong = [name for name, value in counters.items() if not isinstance(value, int)]
        if wrong:
            return problem(422, f"counters.{wrong[0]}: not a whole number",
                           [{"field": f"counters.{wrong[0]}", "message": "Enter a whole number."}])
        history = self.readings.setdefault(device_id, [])
        today = dt.date.today().isoformat()
        if history and history[0]["local_date"] == today:
            return coded_problem(409, "already_read_today", "This device already has a reading for today.",
                                 local_date=today)
        previous = history[0]["counters"] if history else {}
        for name, value in counters.items():
            if value < previous.get(name, 0):
                return coded_problem(409, "lower_than_previous",
                                     f"The {name} counter cannot be lower than {previous[name]}, the value of "
                                     f"{history[0]['local_date']}.", counter=name, previous_value=previous[name],
                                     previous_date=history[0]["local_date"])
        if counters.get("black", 0) > 10_000_000 and not body.get("confirm"):
            return coded_problem(409, "confirmation_required", "The black counter implies 9,876,543 pages a day; "
                                 "this device usually prints 120.", counter="black", implied_per_day=9876543,
                                 usual_per_day=120)
        reading = {"id": uuid.uuid4().hex, "local_date": today, "read_at": dt.datetime.now(dt.UTC).isoformat(),
                   "counters": counters, "source": "agent" if self.staff_role else "customer",
                   "submitted_by": "user-1", "submitted_by_name": "Ana García",
                   "confirmed_implausible": bool(body.get("confirm"))}
        history.insert(0, reading)
        return JSONResponse(reading, status_code=201)


# -- helpers for the tests
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def gateway_settings(**overrides: Any):
    from gateway.settings import Settings

    return Settings(accounts_url=URLS["accounts"], cases_url=URLS["cases"], meters_url=URLS["meters"],
                    notifications_url=URLS["notifications"], session_secret="test-secret", **overrides)


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def submit(client: httpx.AsyncClient, page: str, action: str, data: dict, **kwargs) -> httpx.Response:
    """Open a page, then post its form with the CSRF token it carries, as a browser does."""
    shown = await client.get(page, **kwargs)
    return await client.post(action, data={**data, "csrf_token": csrf_of(shown.text)}, **kwargs)


async def log_in(client: httpx.AsyncClient, email: str = "ana@example.com", password: str = PASSWORD,
                 **kwargs) -> httpx.Response:
    return await submit(client, "/login", "/login", {"email": email, "password": password, "next": "/"}, **kwargs)
