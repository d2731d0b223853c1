"""The bare-stack anchor of the case paths: a minimal FastAPI app straight on asyncpg, on the same database and
data as the benchmarked `cases` service, served by uvicorn like every service (only the server options come from
the portal). `python -m bench.anchor PORT DATABASE_URL PUBLIC_KEY_FILE ISSUER AUDIENCE`

It does the essential work of each request and nothing more, in its own code: the caller's Ed25519 access token
checked with PyJWT (a verified token remembered until it expires, as the services do), the session looked up
among the revoked ones, the caller's visibility rule (account, role, device assignment) in the SQL, and the same
rows written in one transaction. What it leaves out is what a bare stack does not have: the ORM, the service
levels and the case's full view in the answers. Its outbox rows are written as already sent, so the portal's
relay does not publish them: nobody is emailed about the anchor's work, which stays the request alone."""

import gc
import json
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import asyncpg  # type: ignore[import-untyped]
import jwt
import uvicorn
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from shared.config import ServiceSettings
from shared.serve import server_options

CASES = "/api/cases/v1/cases"
ADMINISTRATOR = "administrator"
DEVICE_ROLES = ("device_manager", "device_stock_manager")  # see their assigned devices' cases
STOCK_MANAGER = "stock_manager"  # sees the consumables orders of their assigned devices
REPORTERS = (ADMINISTRATOR, *DEVICE_ROLES)  # may report an incident
STAFF = ("agent", "supervisor")
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "vendor": {
        "new": ("in_progress",),
        "in_progress": ("waiting_for_customer", "resolved"),
        "waiting_for_customer": ("in_progress",),
        "resolved": ("closed",),
    },
    "customer": {"new": ("cancelled",), "resolved": ("in_progress",)},
}
STATUSES = Literal["new", "in_progress", "waiting_for_customer", "resolved", "closed", "cancelled"]
router = APIRouter(prefix=CASES)


class Caller:
    def __init__(self, claims: dict[str, Any]) -> None:
        self.user_id: str = claims["sub"]
        self.session_id: str = claims["sid"]
        self.memberships: dict[str, str] = claims.get("memberships") or {}
        self.staff = claims.get("staff_role") in STAFF

    @property
    def side(self) -> str:
        return "vendor" if self.staff else "customer"


class Tokens:
    """The access tokens' signature, issuer, audience and expiry, checked once per token until it expires."""

    def __init__(self, public_key_pem: bytes, issuer: str, audience: str) -> None:
        self.key = load_pem_public_key(public_key_pem)
        self.issuer, self.audience = issuer, audience
        self.known: dict[str, tuple[Caller, float]] = {}

    def caller(self, request: Request) -> Caller:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401)
        if (known := self.known.get(token)) is not None and time.time() < known[1]:
            return known[0]
        try:
            claims = jwt.decode(
                token,
                self.key,  # type: ignore[arg-type]  # an Ed25519 public key
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "sid", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            raise HTTPException(401) from None
        if len(self.known) >= 4096:
            self.known.pop(next(iter(self.known)))
        self.known[token] = (Caller(claims), float(claims["exp"]))
        return self.known[token][0]


async def authenticated(request: Request, connection: Any) -> Caller:
    caller: Caller = request.app.state.tokens.caller(request)
    revoked = "SELECT 1 FROM revoked_session WHERE session_id = $1"
    if await connection.fetchval(revoked, caller.session_id) is not None:
        raise HTTPException(401)
    return caller


def visible(caller: Caller, args: list[Any]) -> str:
    """The caller's visibility rule on `support_case c` as SQL, its parameters appended to `args`."""
    if caller.staff:
        return "TRUE"

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    user, clauses = "", []
    for account_id, role in caller.memberships.items():
        account = f"c.account_id = {param(account_id)}"
        if role == ADMINISTRATOR:
            clauses.append(account)
            continue
        user = user or param(caller.user_id)
        assigned = f"c.device_id IN (SELECT device_id FROM device_assignment WHERE user_id = {user})"  # noqa: S608
        if role in DEVICE_ROLES:
            own = f"(c.created_by = {user} OR {assigned})"
        elif role == STOCK_MANAGER:
            own = f"(c.created_by = {user} OR (c.type = 'consumables' AND {assigned}))"
        else:
            own = f"c.created_by = {user}"
        clauses.append(f"({account} AND {own})")
    return "(" + " OR ".join(clauses) + ")" if clauses else "FALSE"


def answer(value: Any, status_code: int = 200) -> Response:
    body = json.dumps(value, default=lambda moment: moment.isoformat())
    return Response(body, status_code=status_code, media_type="application/json")


LIST_COLUMNS = (
    "c.id, c.number, c.status, c.type, c.category, c.subject, c.device_id, c.account_id, c.created_at, "
    "c.updated_at, c.response_due_at, c.tracking_reference"
)


@router.get("")
async def case_list(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """The caller's visible cases, newest first, a page of them and how many in all."""
    async with request.app.state.pool.acquire() as connection:
        args: list[Any] = []
        where = visible(await authenticated(request, connection), args)
        # Built of fixed text and $n placeholders only: every value is a parameter.
        cases = f"FROM support_case c WHERE {where}"
        page = f"ORDER BY c.created_at DESC, c.number DESC LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}"
        rows = await connection.fetch(f"SELECT {LIST_COLUMNS} {cases} {page}", *args, limit, offset)
        total = await connection.fetchval(f"SELECT count(*) {cases}", *args)
    return answer({"items": [dict(row) for row in rows], "total": total, "limit": limit, "offset": offset})


class StatusChange(BaseModel):
    status: STATUSES
    reason: Annotated[str | None, Field(max_length=1000)] = None


UPDATE_STATUS = """
UPDATE support_case SET status = $2::varchar, updated_at = $3::timestamptz,
  first_response_at = CASE WHEN $4::boolean AND $2::varchar = 'in_progress'
                      THEN coalesce(first_response_at, $3::timestamptz) ELSE first_response_at END,
  resolved_at = CASE WHEN $2::varchar = 'resolved' THEN $3::timestamptz
                WHEN status = 'resolved' THEN NULL ELSE resolved_at END,
  paused_since = CASE WHEN $2::varchar = 'waiting_for_customer' THEN $3::timestamptz END,
  paused_seconds = paused_seconds + coalesce(extract(epoch FROM $3::timestamptz - paused_since)::int, 0),
  response_due_at = response_due_at + coalesce($3::timestamptz - paused_since, interval '0'),
  response_warning_at = response_warning_at + coalesce($3::timestamptz - paused_since, interval '0')
WHERE id = $1"""
FOLLOWERS = """
SELECT f.user_id FROM case_follower f LEFT JOIN user_copy u ON u.id = f.user_id
WHERE f.case_id = $1 AND coalesce(u.active, TRUE) ORDER BY f.user_id"""
INSERT_HISTORY = """
INSERT INTO case_status_change (id, case_id, from_status, to_status, actor_id, actor_side, reason, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"""


@router.post("/{case_id}/status")
async def change_status(case_id: str, change: StatusChange, request: Request) -> Response:
    """Lock the case, move it on, and write its history, audit and outbox rows in one transaction."""
    async with request.app.state.pool.acquire() as connection:
        caller = await authenticated(request, connection)
        args: list[Any] = [case_id]
        where = visible(caller, args)
        async with connection.transaction():
            locked = f"FROM support_case c WHERE c.id = $1 AND {where} FOR UPDATE"
            case = await connection.fetchrow(
                f"SELECT c.id, c.number, c.account_id, c.subject, c.status {locked}", *args
            )
            if case is None:
                raise HTTPException(404)
            if change.status not in TRANSITIONS[caller.side].get(case["status"], ()):
                raise HTTPException(409)
            now = datetime.now(UTC)
            await connection.execute(UPDATE_STATUS, case_id, change.status, now, caller.staff)
            followers = [row[0] for row in await connection.fetch(FOLLOWERS, case_id)]
            await connection.execute(
                INSERT_HISTORY,
                str(uuid.uuid4()),
                case_id,
                case["status"],
                change.status,
                caller.user_id,
                caller.side,
                change.reason,
                now,
            )
            await status_changed(connection, request, caller, dict(case), change, followers, now)
    return answer({"id": case_id, "number": case["number"], "status": change.status})


async def status_changed(
    connection: Any,
    request: Request,
    caller: Caller,
    case: dict[str, Any],
    change: StatusChange,
    followers: list[str],
    now: datetime,
) -> None:
    """The audit and outbox rows of a status change."""
    old, new = case["status"], change.status
    await audit(
        connection,
        request,
        caller,
        "case.status_changed",
        case["id"],
        {"from_status": old, "to_status": new, "reason": change.reason},
        ({"status": old}, {"status": new}),
        now,
    )
    data = {
        "case_id": case["id"],
        "number": case["number"],
        "account_id": case["account_id"],
        "subject": case["subject"],
        "old_status": old,
        "new_status": new,
        "changed_by": caller.user_id,
        "changed_by_side": caller.side,
        "follower_ids": followers,
        "changed_at": now,
        "reason": change.reason,
        "survey_paths": {},
    }
    await outbox(connection, request, "cases.case.status_changed", case["id"], data, now)


INSERT_AUDIT = """
INSERT INTO audit_entry (id, actor_id, actor_side, action, case_id, details, at, correlation_id, old_values,
                         new_values)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"""
INSERT_OUTBOX = """
INSERT INTO outbox (event_id, event_type, exchange, payload, created_at, attempts, sent_at)
VALUES ($1, $2, 'selfservice.events', $3, $4, 0, $4)"""


async def audit(
    connection: Any,
    request: Request,
    caller: Caller,
    action: str,
    case_id: str,
    details: dict[str, Any],
    values: tuple[dict[str, Any], dict[str, Any]] | None,
    now: datetime,
) -> None:
    old, new = values or (None, None)
    await connection.execute(
        INSERT_AUDIT,
        str(uuid.uuid4()),
        caller.user_id,
        caller.side,
        action,
        case_id,
        json.dumps(details),
        now,
        request.headers.get("x-correlation-id"),
        json.dumps(old) if old is not None else None,
        json.dumps(new) if new is not None else None,
    )


async def outbox(
    connection: Any, request: Request, event_type: str, subject: str, data: dict[str, Any], now: datetime
) -> None:
    """The event as a CloudEvent, stored as already sent (see the module's docstring)."""
    event_id = str(uuid.uuid4())
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": "cases",
        "type": event_type,
        "time": now,
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
        "correlationid": request.headers.get("x-correlation-id"),
    }
    payload = json.dumps(event, default=lambda moment: moment.isoformat())
    await connection.execute(INSERT_OUTBOX, event_id, event_type, payload, now)


class NewIncident(BaseModel):
    device_id: Annotated[str, Field(min_length=1, max_length=36)]
    type: Literal["incident"]
    category: Annotated[str, Field(min_length=1, max_length=40)]
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1, max_length=5000)]
    error_code: Annotated[str | None, Field(max_length=50)] = None


DEVICE = """
SELECT d.account_id, d.response_time_hours,
       array(SELECT a.user_id FROM device_assignment a LEFT JOIN user_copy u ON u.id = a.user_id
             WHERE a.device_id = d.id AND coalesce(u.active, TRUE) ORDER BY a.user_id) AS assigned
FROM device d WHERE d.id = $1 AND d.active"""
DEPARTMENT = """
SELECT department FROM routing_rule WHERE type = $1 AND (category = $2 OR category IS NULL)
ORDER BY category IS NULL LIMIT 1"""
NEXT_NUMBER = """
INSERT INTO case_number_counter (year, last_value) VALUES ($1, 1)
ON CONFLICT (year) DO UPDATE SET last_value = case_number_counter.last_value + 1 RETURNING last_value"""
INSERT_CASE = """
INSERT INTO support_case (id, number, account_id, device_id, type, category, error_code, subject, description,
  status, department, created_by, created_at, updated_at, response_due_at, response_warning_at,
  received_outside_business_hours, paused_seconds, awaiting_release, needs_technician)
VALUES ($1, $2, $3, $4, 'incident', $5, $6, $7, $8, 'new', $9, $10, $11, $11, $12, $13, FALSE, 0, FALSE, FALSE)"""
INSERT_FOLLOWERS = "INSERT INTO case_follower (case_id, user_id) SELECT $1, unnest($2::varchar[])"


def check_may_report(caller: Caller, device: Any) -> None:
    """404 for a device the caller may not see, 403 for a role that may not report on it."""
    role = caller.memberships.get(device["account_id"]) if device else None
    if caller.staff:
        raise HTTPException(403)
    if role is None:
        raise HTTPException(404)
    if role not in REPORTERS:
        raise HTTPException(403)
    if role != ADMINISTRATOR and caller.user_id not in device["assigned"]:
        raise HTTPException(404)


@router.post("", status_code=201)
async def open_case(incident: NewIncident, request: Request) -> Response:
    """The case, its followers (the reporter and the device's assigned users), audit and outbox rows."""
    async with request.app.state.pool.acquire() as connection:
        caller = await authenticated(request, connection)
        async with connection.transaction():
            device = await connection.fetchrow(DEVICE, incident.device_id)
            check_may_report(caller, device)
            department = await connection.fetchval(DEPARTMENT, incident.type, incident.category)
            now = datetime.now(UTC)
            due = now + timedelta(hours=device["response_time_hours"])
            case = {
                "id": str(uuid.uuid4()),
                "number": "",
                "account_id": device["account_id"],
                "device_id": incident.device_id,
                "type": incident.type,
                "category": incident.category,
                "subject": incident.subject,
                "status": "new",
                "department": department or "support",
                "created_by": caller.user_id,
                "created_at": now,
                "response_due_at": due,
            }
            followers = list(dict.fromkeys([caller.user_id, *device["assigned"]]))
            await insert_case(connection, request, caller, case, incident, followers)
    return answer(case, status_code=201)


async def insert_case(
    connection: Any,
    request: Request,
    caller: Caller,
    case: dict[str, Any],
    incident: NewIncident,
    followers: list[str],
) -> None:
    # The number last, as the portal takes it: its counter row stays locked until the commit.
    now = case["created_at"]
    case["number"] = f"CS-{now.year}-{await connection.fetchval(NEXT_NUMBER, now.year):06d}"
    await connection.execute(
        INSERT_CASE,
        case["id"],
        case["number"],
        case["account_id"],
        case["device_id"],
        case["category"],
        incident.error_code,
        case["subject"],
        incident.description,
        case["department"],
        caller.user_id,
        now,
        case["response_due_at"],
        case["response_due_at"] - timedelta(hours=1),
    )
    await connection.execute(INSERT_FOLLOWERS, case["id"], followers)
    details = {"number": case["number"], "device_id": case["device_id"], "type": case["type"]}
    await audit(connection, request, caller, "case.created", case["id"], details, None, now)
    await outbox(
        connection, request, "cases.case.created", case["id"], {**case, "follower_ids": followers}, now
    )


def create_app(database_url: str, tokens: Tokens) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # As the services' pool: up to twenty connections, opened as the load asks for them.
        app.state.pool = await asyncpg.create_pool(database_url, min_size=1, max_size=20)
        app.state.tokens = tokens
        gc.collect()
        gc.freeze()  # as every service does once started
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    app.add_api_route("/health", lambda: Response(b"ok"))
    return app


if __name__ == "__main__":
    port, url, key_file, issuer, audience = sys.argv[1:6]
    application = create_app(
        url.replace("postgresql+asyncpg://", "postgresql://"),
        Tokens(Path(key_file).read_bytes(), issuer, audience),
    )
    uvicorn.run(application, **server_options(ServiceSettings(port=int(port))))
