"""The console of `make run`: one line per caught email, the banner with everything a visitor needs, and a
process that ends taking the portal down with a word on where to look."""

import asyncio
import smtplib
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage

import aio_pika
import pytest
from aiosmtpd.controller import Controller

from deploy.demo.data import CONTACTS, DEMO_PASSWORD, STAFF
from deploy.mailcatcher import KeepAsFiles
from deploy.run import banner, configure, refusal, supervise, wait_for_mail_to_settle
from deploy.system import LOG_DIR, MAIL_DIR, SystemConfig
from shared.testing import amqp_url, unique_prefix
from tests.system import free_port


def test_a_caught_email_is_one_line_on_the_console_and_one_file(tmp_path, capsys):
    controller = Controller(KeepAsFiles(tmp_path), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "portal@example", "ann@example", "Caso CS-1"
        message.set_content("Hola")
        with smtplib.SMTP("127.0.0.1", controller.port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    [line] = capsys.readouterr().out.splitlines()
    [kept] = tmp_path.glob("*.eml")
    assert line == f"mail: to ann@example | Caso CS-1 | {kept}"


def test_the_banner_names_the_portal_the_mail_folder_the_logs_and_every_login():
    text = banner(SystemConfig(), demo_events=71)
    assert "http://localhost:8000" in text and "71 events" in text
    assert str(MAIL_DIR) in text and str(LOG_DIR) in text and DEMO_PASSWORD in text
    assert all(contact.email in text for contact in CONTACTS)
    assert all(f"{person['email']:28} {person['role']}" in text for person in STAFF)
    assert "supervisor@canon.example" in text and "supplies@canon.example" in text


def test_the_banner_waits_for_the_emails_the_demo_data_causes(tmp_path):
    threading.Timer(0.3, lambda: (tmp_path / "reading-request.eml").write_text("x")).start()
    started = time.monotonic()
    wait_for_mail_to_settle(tmp_path, quiet=1.0, limit=5.0)
    assert (tmp_path / "reading-request.eml").exists()
    assert 1.0 <= time.monotonic() - started < 5.0


def test_a_process_that_ends_stops_the_others_and_says_where_its_log_is(capsys):
    python = [sys.executable, "-c"]
    processes = {
        "accounts": subprocess.Popen([*python, "raise SystemExit(3)"]),
        "gateway": subprocess.Popen([*python, "import time; time.sleep(60)"]),
    }
    assert supervise(processes) == 1
    assert processes["gateway"].poll() is not None
    assert f"accounts stopped (exit 3), see {LOG_DIR}" in capsys.readouterr().out


def test_make_run_takes_its_ports_and_bus_prefix_from_the_environment():
    config = configure(
        {"GATEWAY_PORT": "9100", "CASES_PORT": "9102", "SMTP_PORT": "9125", "BUS_PREFIX": "second."}
    )
    assert config.ports["gateway"] == 9100 and config.ports["cases"] == 9102
    assert config.ports["accounts"] == 8001  # the default where none is given
    assert config.smtp_port == 9125 and config.bus_prefix == "second."
    assert "http://localhost:9100" in banner(config, demo_events=1)
    assert config.env("cases")["BUS_PREFIX"] == "second." and config.env("cases")["PORT"] == "9102"
    with pytest.raises(SystemExit, match="METERS_PORT"):
        configure({"METERS_PORT": "eighty"})


def test_make_run_refuses_to_start_while_another_portal_consumes_its_queues():
    prefix = unique_prefix()
    config = configure({"AMQP_URL": amqp_url(), "BUS_PREFIX": prefix})
    config.ports = {name: free_port() for name in config.ports}
    config.smtp_port = free_port()
    assert refusal(config) is None

    async def with_a_consumer_on_the_cases_queue() -> str | None:
        connection = await aio_pika.connect(amqp_url())
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(f"{prefix}cases.events", auto_delete=True)

            async def ignore(_message: aio_pika.abc.AbstractIncomingMessage) -> None:
                return None

            await queue.consume(ignore)
            return await asyncio.to_thread(refusal, config)

    refused = asyncio.run(with_a_consumer_on_the_cases_queue())
    assert refused is not None
    assert f"another portal already consumes the queues of bus prefix {prefix!r}" in refused
    assert f"{prefix}cases.events (1 consumer(s))" in refused and "BUS_PREFIX" in refused


def test_make_run_refuses_ports_that_are_taken():
    config = configure({})
    config.ports = {name: free_port() for name in config.ports}
    config.smtp_port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", config.ports["gateway"]))
        listener.listen()
        refused = refusal(config)
    assert refused is not None and f"gateway {config.ports['gateway']}" in refused
