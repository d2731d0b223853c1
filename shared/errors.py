"""RFC 9457 problem details for every 4xx and 5xx answer, naming the field at fault."""

import logging
import socket
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """A refusal the client can act on. `errors` lists fields at fault as {"field", "message"}."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.code, self.errors, self.extra = code, errors or [], extra


def not_found(what: str = "resource") -> Problem:
    # Another account's resources answer exactly like missing ones.
    return Problem(404, "Not found", f"No {what} with this id is visible to you.", code="not_found")


def forbidden(detail: str = "Your role does not allow this.") -> Problem:
    return Problem(403, "Forbidden", detail, code="forbidden")


def field_error(field: str, message: str, status: int = 422, code: str = "invalid") -> Problem:
    return Problem(
        status,
        "Invalid request",
        f"{field}: {message}",
        code=code,
        errors=[{"field": field, "message": message}],
    )


def problem_response(
    status: int, title: str, detail: str | None = None, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_name(loc: tuple[str | int, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[-1] if loc else "body")


# SQLSTATEs of a server that is there but will not serve: connection exceptions (class 08), shutting down or
# starting up (57P01-57P03), too many connections (53300).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_database_unreachable(exc: BaseException) -> bool:
    """Whether an error, or one it wraps, says the database cannot be reached, whichever driver raised it."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
            return True
        sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES):
            return True
        pending += [getattr(error, "orig", None), error.__cause__, error.__context__]
    return False


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(
            exc.status,
            exc.title,
            exc.detail,
            request.url.path,
            code=exc.code,
            errors=exc.errors or None,
            **exc.extra,
        )
        if exc.extra.get("retry_after") is not None:  # a throttling answer says when to come back
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(
            422, "Invalid request", detail, request.url.path, code="invalid", errors=errors
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        titles = {
            400: "Bad request",
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
            409: "Conflict",
            413: "Payload too large",
            429: "Too many requests",
        }
        response = problem_response(
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            str(exc.detail) if exc.detail else None,
            request.url.path,
        )
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(DBAPIError)
    @app.exception_handler(OSError)  # a refused connection is not wrapped by SQLAlchemy
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if is_database_unreachable(exc):
            # The database went away or refuses connections (a restart, a failover): the pool opens fresh
            # connections on the next request, so this is worth retrying rather than a failure of the request.
            log.warning(
                "database unreachable on %s %s: %s", request.method, request.url.path, type(exc).__name__
            )
            return problem_response(
                503,
                "Service unavailable",
                "The database cannot be reached right now. Try again in a moment.",
                request.url.path,
                code="database_unavailable",
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "Internal error", "The request could not be completed.", request.url.path
        )
