"""Every endpoint and dependency of every service is a coroutine: FastAPI runs a plain function in a worker
thread, a hop per request that costs more than the work of a small dependency and contends for the GIL with the
event loop (a synchronous page-size dependency made the customer's case list a tenth slower)."""

import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

SERVICES = ["accounts", "cases", "meters", "notifications", "gateway"]


def calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from calls(sub)


def runs_on_the_loop(call: Callable[..., Any]) -> bool:
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def dependants(app) -> Iterator[tuple[str, Dependant]]:
    """Each operation's path and dependant, routers included into the app too (as FastAPI resolves them)."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route.path, route.dependant
        for context in getattr(route, "effective_route_contexts", list)():
            yield context.path, context.dependant


def threaded_calls(app) -> list[str]:
    return sorted(
        {
            f"{path}: {getattr(call, '__qualname__', repr(call))}"
            for path, dependant in dependants(app)
            for call in calls(dependant)
            if not runs_on_the_loop(call)
        }
    )


@pytest.mark.parametrize("service", SERVICES)
def test_no_endpoint_or_dependency_runs_in_a_worker_thread(service):
    assert threaded_calls(importlib.import_module(f"{service}.main").create_app()) == []


def test_a_plain_function_dependency_is_found():
    from fastapi import Depends, FastAPI

    def page_size() -> int:
        return 20

    app = FastAPI()

    @app.get("/items")
    async def items(size: int = Depends(page_size)) -> int:
        return size

    assert threaded_calls(app) == ["/items: test_a_plain_function_dependency_is_found.<locals>.page_size"]
