"""Every problem answer names a stable code, and each field at fault its own code and params, so that the portal
can say it in the visitor's language; the English detail stays for integrators."""

from datetime import date
from typing import Annotated

import pytest
from fastapi import FastAPI, HTTPException
from httpx import ASGITransport, AsyncClient
from pydantic import AfterValidator, BaseModel, EmailStr, Field

from shared.errors import InvalidValue, Problem, field_error, install_problem_handlers


def must_be_even(value: int) -> int:
    if value % 2:
        raise InvalidValue("not_even", "must be even", multiple=2)
    return value


class Order(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    quantity: int = Field(gt=0, le=4)
    lines: list[int] = Field(max_length=2)
    day: date
    email: EmailStr
    pairs: Annotated[int, AfterValidator(must_be_even)] = 2


def app_under_test() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/orders")
    async def order(body: Order) -> dict:
        return {}

    @app.get("/closed")
    async def closed() -> dict:
        raise Problem(
            409, "Case is over", "Case CS-1 is cancelled.", code="case_closed", params={"number": "CS-1"}
        )

    @app.get("/field")
    async def field() -> dict:
        raise field_error("serial", "does not match", field_code="serial_mismatch")

    @app.get("/throttled")
    async def throttled() -> dict:
        raise HTTPException(429, "Too many failed logins.", headers={"Retry-After": "60"})

    return app


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app_under_test()), base_url="http://test") as http:
        yield http


async def test_pydantic_errors_become_field_codes_with_their_params(client):
    response = await client.post(
        "/orders",
        json={"name": "", "quantity": 9, "lines": [1, 2, 3], "day": "not a day", "email": "x", "pairs": 3},
    )
    body = response.json()
    assert response.status_code == 422 and body["code"] == "invalid" and "quantity" in body["detail"]
    by_field = {error["field"]: (error["code"], error["params"]) for error in body["errors"]}
    assert by_field == {
        "name": ("too_short", {"min_length": 1}),
        "quantity": ("must_be_at_most", {"limit": 4}),
        "lines": ("too_many_items", {"max_length": 2, "actual_length": 3, "field_type": "List"}),
        "day": ("not_a_date", {}),
        "email": ("invalid_email", {}),
        "pairs": ("not_even", {"multiple": 2}),
    }
    assert all(error["message"] for error in body["errors"])  # English for integrators


async def test_a_missing_field_is_required(client):
    body = (await client.post("/orders", json={})).json()
    assert {error["code"] for error in body["errors"]} == {"required"}


async def test_a_problem_carries_its_code_and_params(client):
    body = (await client.get("/closed")).json()
    assert (body["code"], body["params"], body["detail"]) == (
        "case_closed",
        {"number": "CS-1"},
        "Case CS-1 is cancelled.",
    )


async def test_a_field_error_names_the_field_code(client):
    body = (await client.get("/field")).json()
    assert body["code"] == "invalid"
    assert body["errors"] == [
        {"field": "serial", "code": "serial_mismatch", "params": {}, "message": "does not match"}
    ]


async def test_an_answer_without_its_own_code_gets_the_status_code(client):
    throttled = await client.get("/throttled")
    assert (throttled.status_code, throttled.json()["code"]) == (429, "too_many_requests")
    assert throttled.headers["retry-after"] == "60"
    missing = await client.get("/nowhere")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
