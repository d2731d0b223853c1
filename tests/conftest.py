"""Fixtures for the cross-service tests: one running portal per test session, shared by the end-to-end
and browser tests (each test makes its own cases, so they do not depend on each other)."""

import pytest

from tests.system import start_system


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    yield from start_system(tmp_path_factory.mktemp("system"))
