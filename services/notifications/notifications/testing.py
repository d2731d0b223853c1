"""A real SMTP server for tests (aiosmtpd in a thread): this service's tests and the end-to-end tests
read the emails the system actually sent."""

import asyncio
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    # Controller(port=0) is not supported by every aiosmtpd version: ask the OS for a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CollectingHandler:
    """Keeps every accepted message; refuses the next `refusals` messages with a temporary error."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.peers: list[tuple] = []  # the client's address and port of each accepted message: its connection
        self.refusals = 0
        self.quits = 0  # connections the client closed politely

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        return "250 2.0.0 OK"

    async def handle_QUIT(self, server, session, envelope) -> str:
        self.quits += 1
        return "221 Bye"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = CollectingHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        # A new controller each time: a stopped one cannot be restarted in every aiosmtpd version.
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    def connections(self) -> int:
        """Over how many connections the accepted messages came."""
        return len(set(self.handler.peers))

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        return [
            message_from_bytes(e.original_content or e.content, policy=policy.default)
            for e in self.handler.envelopes
            if to is None or to in e.rcpt_tos
        ]

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:  # noqa: ASYNC109
        """Poll until at least `count` messages arrived; fails after the deadline."""
        deadline = time.monotonic() + timeout
        while len(self.handler.envelopes) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.handler.envelopes)} of {count} emails arrived")
            await asyncio.sleep(0.05)
        return self.messages()


def email_parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, html) of a multipart/alternative email, with \\n line ends; fails when either is missing."""
    if message.get_content_type() != "multipart/alternative":
        raise AssertionError(f"not multipart/alternative: {message.get_content_type()}")
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")
