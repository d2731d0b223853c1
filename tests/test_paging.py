"""One page query with the same bounds everywhere, and one page shape."""

import httpx
import pytest
from fastapi import FastAPI

from shared.errors import install_problem_handlers
from shared.paging import Page, Paging


def numbers_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/numbers", response_model=Page[int])
    async def numbers(paging: Paging) -> Page[int]:
        every = list(range(1, 31))
        return Page[int](**paging.page(every[paging.offset : paging.offset + paging.limit], len(every)))

    return app


async def get(params: dict) -> httpx.Response:
    transport = httpx.ASGITransport(app=numbers_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/numbers", params=params)


async def test_a_page_is_twenty_items_from_the_start_unless_asked_otherwise():
    assert (await get({})).json() == {"items": list(range(1, 21)), "total": 30, "limit": 20, "offset": 0}
    assert (await get({"limit": 5, "offset": 27})).json() == {
        "items": [28, 29, 30],
        "total": 30,
        "limit": 5,
        "offset": 27,
    }


@pytest.mark.parametrize(
    "params, field", [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset")]
)
async def test_a_page_query_out_of_bounds_is_a_422_naming_the_field(params, field):
    response = await get(params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
