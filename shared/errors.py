"""RFC 9457 problem details for every 4xx and 5xx answer, naming the field at fault.

Every answer carries a stable machine `code` (and `params`, the values its text names); each field at fault is
`{"field", "code", "params", "message"}`. The English `detail` and `message` are for integrators: the portal
renders its own text from the codes in the visitor's language."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

# The code of an answer that names none of its own: one per status.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    502: "upstream_unavailable",
    503: "service_unavailable",
    504: "upstream_unavailable",
}


def status_code_name(status: int) -> str:
    return STATUS_CODES.get(status, "internal_error" if status >= 500 else "bad_request")


class Problem(Exception):
    """A refusal the client can act on: a `code`, the `params` its text names, and the fields at fault."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.code, self.params = code or status_code_name(status), params or {}
        self.errors, self.extra = errors or [], extra


class InvalidValue(ValueError):
    """Raised by a pydantic validator: the field's code and params reach the problem answer."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


def field_issue(field: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    """One field at fault, as a problem answer lists it."""
    return {"field": field, "code": code, "params": params, "message": message}


def invalid_fields(errors: list[dict[str, Any]], status: int = 422, code: str = "invalid") -> Problem:
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return Problem(status, "Invalid request", detail, code=code, errors=errors)


def not_found(what: str = "resource") -> Problem:
    # Another account's resources answer exactly like missing ones.
    return Problem(404, "Not found", f"No {what} with this id is visible to you.", code="not_found")


def forbidden(detail: str = "Your role does not allow this.") -> Problem:
    return Problem(403, "Forbidden", detail, code="forbidden")


def field_error(
    field: str,
    message: str,
    status: int = 422,
    code: str = "invalid",
    *,
    field_code: str | None = None,
    **params: Any,
) -> Problem:
    """One field at fault: `code` is the answer's, `field_code` the field's (the answer's when not given)."""
    return invalid_fields([field_issue(field, field_code or code, message, **params)], status, code)


def problem_response(
    status: int, title: str, detail: str | None = None, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    body.setdefault("code", status_code_name(status))
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_name(loc: tuple[str | int, ...]) -> str:
    """The field as the client names it; a repeated query parameter (`?status=a&status=b`) by its own name."""
    if loc[:1] == ("query",):
        loc = tuple(p for p in loc if not isinstance(p, int))
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[-1] if loc else "body")


# pydantic's error types, by the code the portal names them with; their ctx become the params.
PYDANTIC_CODES = {
    "missing": "required",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "too_short": "too_few_items",
    "too_long": "too_many_items",
    "greater_than": "must_be_greater_than",
    "greater_than_equal": "must_be_at_least",
    "less_than": "must_be_less_than",
    "less_than_equal": "must_be_at_most",
    "int_parsing": "not_a_whole_number",
    "int_type": "not_a_whole_number",
    "int_from_float": "not_a_whole_number",
    "float_parsing": "not_a_number",
    "float_type": "not_a_number",
    "decimal_parsing": "not_a_number",
    "date_parsing": "not_a_date",
    "date_type": "not_a_date",
    "date_from_datetime_parsing": "not_a_date",
    "date_from_datetime_inexact": "not_a_date",
    "datetime_parsing": "not_a_datetime",
    "datetime_type": "not_a_datetime",
    "datetime_from_date_parsing": "not_a_datetime",
    "string_pattern_mismatch": "invalid_format",
    "uuid_parsing": "invalid_format",
    "uuid_type": "invalid_format",
    "url_parsing": "invalid_format",
    "url_scheme": "invalid_format",
    "literal_error": "not_a_choice",
    "enum": "not_a_choice",
    "string_type": "not_a_text",
    "bool_parsing": "not_a_choice",
    "bool_type": "not_a_choice",
    "list_type": "invalid",
    "dict_type": "invalid",
    "model_type": "invalid",
    "model_attributes_type": "invalid",
    "extra_forbidden": "unexpected_field",
    "json_invalid": "invalid_json",
}
# Bounds are named `limit` whichever side they hold.
_BOUND_PARAMS = {"gt": "limit", "ge": "limit", "lt": "limit", "le": "limit"}


def pydantic_issue(error: dict[str, Any]) -> dict[str, Any]:
    """One of pydantic's errors as a field issue with the portal's code and params."""
    field = _field_name(tuple(error.get("loc", ())))
    message, ctx = str(error.get("msg", "invalid")), dict(error.get("ctx") or {})
    cause = ctx.pop("error", None)
    if isinstance(cause, InvalidValue):
        return field_issue(field, cause.code, str(cause), **cause.params)
    kind = str(error.get("type", ""))
    code = PYDANTIC_CODES.get(kind, "invalid")
    if kind == "value_error" and "email address" in message:
        code = "invalid_email"
    params: dict[str, Any] = {
        _BOUND_PARAMS.get(str(key), str(key)): value
        for key, value in ctx.items()
        if isinstance(value, str | int | float) and key not in ("pattern", "expected", "reason")
    }
    return field_issue(field, code, message, **params)


HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    429: "Too many requests",
}


async def answer_problem(request: Request, exc: Problem) -> JSONResponse:
    response = problem_response(
        exc.status,
        exc.title,
        exc.detail,
        request.url.path,
        code=exc.code,
        params=exc.params or None,
        errors=exc.errors or None,
        **exc.extra,
    )
    if exc.extra.get("retry_after") is not None:  # a throttling answer says when to come back
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
    return response


async def answer_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [pydantic_issue(error) for error in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(422, "Invalid request", detail, request.url.path, code="invalid", errors=errors)


async def answer_http_exception(request: Request, exc: HTTPException) -> JSONResponse:
    response = problem_response(
        exc.status_code,
        HTTP_TITLES.get(exc.status_code, "Error"),
        str(exc.detail) if exc.detail else None,
        request.url.path,
        code=status_code_name(exc.status_code),
    )
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def answer_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        "Internal error",
        "The request could not be completed.",
        request.url.path,
        code="internal_error",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.exception_handler(Problem)(answer_problem)
    app.exception_handler(RequestValidationError)(answer_invalid_request)
    app.exception_handler(HTTPException)(answer_http_exception)
    app.exception_handler(Exception)(answer_unexpected)
