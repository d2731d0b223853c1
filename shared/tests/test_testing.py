"""The tests' own footing: where they find their servers, that CI=true forbids skips, the proxy that cuts the
broker away, and eventually()."""

import asyncio
import socket
import threading

import pytest

from shared import testing
from shared.testing import TcpProxy, discover, eventually, eventually_blocking, server_answers


def never(what: str):
    def fail(*_args):
        raise AssertionError(f"{what} must not be consulted")

    return fail


def test_an_explicit_variable_wins_without_probing(monkeypatch):
    monkeypatch.setenv("AMQP_URL", "amqp://elsewhere:5673/")
    monkeypatch.setattr(testing, "docker_available", never("Docker"))
    url = discover("AMQP_URL", testing.LOCAL_AMQP_URL, never("the local port"), never("a container"))
    assert url == "amqp://elsewhere:5673/"


def test_the_default_local_port_comes_before_docker(monkeypatch):
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setattr(testing, "docker_available", never("Docker"))
    url = discover("AMQP_URL", testing.LOCAL_AMQP_URL, lambda: True, never("a container"))
    assert url == testing.LOCAL_AMQP_URL


def test_a_container_when_nothing_answers_locally_and_docker_runs(monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setattr(testing, "docker_available", lambda: True)
    url = discover(
        "TEST_DATABASE_URL", testing.LOCAL_POSTGRES_URL, lambda: False, lambda: "postgresql://c/db"
    )
    assert url == "postgresql://c/db"


def test_nothing_found_is_a_skip_with_its_reason(monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setattr(testing, "docker_available", lambda: False)
    assert (
        discover("TEST_DATABASE_URL", testing.LOCAL_POSTGRES_URL, lambda: False, never("a container")) is None
    )
    monkeypatch.setattr(testing, "_discovered_postgres_url", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL"):
        testing.postgres_admin_url()


def one_shot_server(answer: bytes | None) -> int:
    """A server on a free port that reads one request and answers `answer` (or closes when None)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        with listener, listener.accept()[0] as conn:
            conn.recv(64)
            if answer is not None:
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_the_probe_needs_the_servers_own_answer():
    hello = testing.AMQP_HEADER
    assert server_answers("127.0.0.1", one_shot_server(b"\x01rest"), hello, (b"\x01",))
    assert not server_answers("127.0.0.1", one_shot_server(b"HTTP/1.1 400"), hello, (b"\x01",))
    assert not server_answers("127.0.0.1", one_shot_server(None), hello, (b"\x01",))
    with socket.create_server(("127.0.0.1", 0)) as taken:
        closed_port = taken.getsockname()[1]
    assert not server_answers("127.0.0.1", closed_port, hello, (b"\x01",))


def test_chromium_from_the_variable_else_debians(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM_PATH", "/bin/sh")
    assert testing.chromium_path() == "/bin/sh"
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    with pytest.raises(pytest.skip.Exception, match="no Chromium at"):
        testing.chromium_path()


@pytest.mark.parametrize("ci, outcome", [("true", "failed"), ("", "skipped")])
def test_with_ci_true_a_skip_is_a_failure(pytester, monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    pytester.makepyfile("import pytest\n\ndef test_without_its_server():\n    pytest.skip('no server')\n")
    result = pytester.runpytest("-p", "shared.testing", "-p", "no:asyncio")
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        result.stdout.fnmatch_lines(["*CI=true forbids skips: *no server*"])


async def test_eventually_returns_the_first_truthy_value_of_a_plain_or_async_check():
    calls = []

    def plain():
        calls.append(1)
        return len(calls) >= 3 and "ready"

    async def asynchronous():
        return ["item"]

    assert await eventually(plain, interval=0.001) == "ready"
    assert await eventually(asynchronous) == ["item"]


async def test_eventually_can_wait_for_a_falsy_value_and_shows_the_last_one():
    answers = iter([["pending"], ["pending"], []])
    assert await eventually(lambda: next(answers), interval=0.001, accept=lambda items: items == []) == []
    with pytest.raises(AssertionError, match=r"last value: \{'cases': 200\}"):
        await eventually(lambda: {"cases": 200}, 0.02, 0.01, accept=lambda s: s == {"cases": 401})


def test_eventually_blocking_serves_synchronous_tests():
    calls = []

    def third_time():
        calls.append(1)
        return len(calls) >= 3 and "done"

    assert eventually_blocking(third_time, interval=0.001) == "done"


async def test_eventually_fails_naming_what_it_awaited():
    with pytest.raises(AssertionError, match=r"the email not met within 0.05s; last value: \[\]"):
        await eventually(list, timeout=0.05, interval=0.01, what="the email")


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
    writer.close()


async def test_the_proxy_relays_then_cuts_and_refuses():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    proxy = TcpProxy("127.0.0.1", server.sockets[0].getsockname()[1])
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"ping")
        assert await reader.read(4) == b"ping"
        assert proxy.cut() == 1
        assert await reader.read(4) == b""  # the client sees its connection drop
        proxy.refusing = True
        reader, _ = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await reader.read(4) == b""
        assert proxy.url_through("amqp://guest:pw@broker:5672/") == f"amqp://guest:pw@127.0.0.1:{proxy.port}/"
    finally:
        await proxy.close()
        server.close()
