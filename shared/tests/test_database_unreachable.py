"""Which errors mean the database cannot be reached (a 503 to retry) rather than a failed request (a 500)."""

import socket

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.db import is_database_unreachable


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(orig: Exception) -> DBAPIError:
    return DBAPIError("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
        socket.gaierror(-2, "Name or service not known"),
        wrapped(DriverError("57P03")),  # the database system is starting up
        wrapped(DriverError("08006")),  # connection failure
        wrapped(DriverError("53300")),  # too many connections
        wrapped(ConnectionResetError()),
    ],
)
def test_unreachable(error):
    assert is_database_unreachable(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, DriverError("23505")),
        wrapped(DriverError("22021")),  # invalid byte sequence: the request's fault
        FileNotFoundError("var/keys"),
        ValueError("boom"),
    ],
)
def test_not_unreachable(error):
    assert not is_database_unreachable(error)


def test_an_error_raised_while_handling_a_refused_connection_counts():
    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except ConnectionRefusedError as refused:
            raise RuntimeError("pool gave up") from refused
    except RuntimeError as error:
        assert is_database_unreachable(error)
