"""No text the services receive carries a NUL character or a lone surrogate.

PostgreSQL refuses both (a 500 when the statement runs) and SQLite stores them. One check that every route of every
service passes through, after routing (so a path parameter is named) and before the body is validated, sees each
path and query parameter and every string of a JSON body, keys included: a request schema added later is covered
without remembering a string type."""

from typing import Any

from fastapi import Request

from shared.errors import Problem

INVALID_CHARACTERS_MESSAGE = "may not contain a NUL character or an unpaired surrogate"


def is_clean(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")  # only a lone surrogate fails to encode
    except UnicodeEncodeError:
        return False
    return True


def first_unclean(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where in a decoded JSON document the first string with an invalid character sits, or None."""
    if isinstance(value, str):
        return None if is_clean(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            if not is_clean(key):
                return path  # the map holding the key: the key itself cannot be shown
            if (found := first_unclean(item, (*path, key))) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := first_unclean(item, (*path, str(index)))) is not None:
                return found
    return None


def invalid_characters(field: str) -> Problem:
    return Problem(
        422,
        "Invalid request",
        f"{field}: {INVALID_CHARACTERS_MESSAGE}",
        code="invalid_characters",
        errors=[{"field": field, "code": "invalid_characters", "message": INVALID_CHARACTERS_MESSAGE}],
    )


def unclean_parameter(request: Request) -> str | None:
    """The name of the first path or query parameter with an invalid character ("query" for a bad name)."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if not (is_clean(name) and is_clean(str(value))):
            return name if is_clean(name) else "query"
    return None


async def reject_invalid_characters(request: Request) -> None:
    """An app-wide dependency. The JSON body is the one FastAPI has already parsed for the route (cached on the
    request), so this reads nothing twice; a route without a JSON body has none to check."""
    if (parameter := unclean_parameter(request)) is not None:
        raise invalid_characters(parameter)
    if not is_json(request):
        return
    try:
        body = await request.json()
    except ValueError:
        return  # not JSON: the route's own validation answers
    if (where := first_unclean(body)) is not None:
        raise invalid_characters(".".join(where) or "body")


def is_json(request: Request) -> bool:
    """As FastAPI decides to parse a body as JSON: a JSON media type, or none given."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return not media_type or media_type == "application/json" or media_type.endswith("+json")
