"""Two of everything (F-80, F-61): each service runs as two processes sharing its database and queue, behind one
address per service (tests/balancer.py), and the gateways behind one address too. Under a few hundred case changes
through the gateways' API (a customer and an agent, logged in), one process of each service is killed (SIGKILL)
halfway, and the load goes on. Business time moves on twice (before the kill and after it), so that resolved cases
close themselves and reading requests are reminded. Then:
- every email was sent once: per recipient and subject one email, none missing (an email sent again by a replica
  killed between the mail server's acceptance and its record of it carries the same Message-ID, which the
  receiving side drops: the sender's documented limit, counted here as the one email it is);
- every reminder and every automatic close happened once;
- no change is lost: each case's history is the changes sent, each once;
- a browser's session from a login through the gateways' address is good on either gateway, and on the one left.

The second process of each service starts once the demo data is in (tests/system.py says why).
A change whose answer was lost with a killed process is sent again only when the case does not show it: what a
careful client does, since a case change carries no idempotency key."""

import itertools
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from babel.dates import format_date

from deploy.system import SERVICES
from shared.events.vendor import BillingMeterReadRequested
from shared.testing import eventually_blocking
from tests.e2e.test_outages import logged_in_browser
from tests.system import Inbox, RunningSystem, start_system

pytestmark = pytest.mark.e2e
CUSTOMER, AGENT = "admin@nordisk.example", "agent@canon.example"  # the customer reads Swedish
CUSTOMER_LOCALE, ACCOUNT_NUMBER = "sv", "SE-200567"
CASES, WORKERS = 40, 4
# Per case: opened, taken on, answered, waiting for the customer, the customer's reply, resolved; then closed.
CHANGES_PER_CASE = 6
# To the customer: created, in progress, the agent's message, waiting, resolved, closed (the reply is theirs).
EMAILS_PER_CASE = 6
AUTO_CLOSE_AFTER = timedelta(days=15)  # the cases service closes a resolved case after 14 days
DESCRIPTION = "Det gnisslar vid utskrift."
AMBIGUOUS = (502, 503, 504)  # the gateway or a service went away with the change in flight


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    yield from start_system(
        tmp_path_factory.mktemp("replicas"), replicas=2, settings={"AUTO_CLOSE_INTERVAL_SECONDS": "1"}
    )


@dataclass
class Story:
    """One case and the changes sent for it: (kind, from, to, side, body) of each timeline entry."""

    subject: str
    device_id: str
    case: dict[str, Any] = field(default_factory=dict)
    sent: list[tuple[str, str | None, str | None, str, str | None]] = field(default_factory=list)


class Load:
    """Drives the stories, each in order, from a few threads; counts the changes done."""

    def __init__(self, portal: RunningSystem, customer: str, agent: str) -> None:
        self.portal, self.tokens = portal, {"customer": customer, "vendor": agent}
        self.done = 0
        self._lock = threading.Lock()
        self._clients = threading.local()
        self._opened: list[httpx.Client] = []

    def api(self, side: str) -> httpx.Client:
        """This thread's client of the side: its own connections to the gateways' address."""
        clients = self._clients.__dict__
        if side not in clients:
            clients[side] = self.portal.client(self.tokens[side])
            self._opened.append(clients[side])
        return clients[side]

    def close(self) -> None:
        for client in self._opened:
            client.close()

    def changed(self) -> None:
        with self._lock:
            self.done += 1

    def drive(self, story: Story) -> None:
        self.create(story)
        self.move(story, "vendor", "new", "in_progress")
        self.write(story, "vendor", f"Vi tittar på {story.subject} i dag.")
        self.move(story, "vendor", "in_progress", "waiting_for_customer")
        self.write(story, "customer", f"Svar om {story.subject}.")
        story.sent.append(("status_changed", "waiting_for_customer", "in_progress", "customer", None))
        self.move(story, "vendor", "in_progress", "resolved")

    def create(self, story: Story) -> None:
        def found() -> dict | None:
            page = self.api("customer").get("/api/cases/v1/cases", params={"q": story.subject}).json()
            return next((c for c in page["items"] if c["subject"] == story.subject), None)

        body = {
            "device_id": story.device_id,
            "type": "incident",
            "category": "noise_damage",
            "subject": story.subject,
            "description": DESCRIPTION,
        }
        answer = self.send("customer", "/api/cases/v1/cases", body, lambda: found() is not None)
        story.case = answer.json() if answer is not None else found()  # type: ignore[assignment]
        story.sent.append(("created", None, None, "customer", DESCRIPTION))
        self.changed()

    def move(self, story: Story, side: str, old: str, new: str) -> None:
        entry = ("status_changed", old, new, side, None)
        self.send(
            side, f"/api/cases/v1/cases/{story.case['id']}/status", {"status": new}, self.shows(story, entry)
        )
        story.sent.append(entry)
        self.changed()

    def write(self, story: Story, side: str, text: str) -> None:
        entry = ("message", None, None, side, text)
        path = f"/api/cases/v1/cases/{story.case['id']}/messages"
        self.send(side, path, {"body": text, "internal": False}, self.shows(story, entry))
        story.sent.append(entry)
        self.changed()

    def shows(self, story: Story, entry: tuple) -> Callable[[], bool]:
        return lambda: (
            entry in entries(self.api("vendor").get(f"/api/cases/v1/cases/{story.case['id']}").json())
        )

    def send(self, side: str, path: str, body: dict, applied: Callable[[], bool]) -> httpx.Response | None:
        """POST the change until it is done: its answer, or None when an answer was lost but the change was made."""
        deadline = time.monotonic() + 60
        for attempt in itertools.count():
            try:
                answer = self.api(side).post(path, json=body)
                if answer.is_success:
                    return answer
                # A refusal of a first try is the test's fault; of a retry, maybe of a change made by the lost try.
                assert attempt or answer.status_code in AMBIGUOUS, (
                    f"{path}: {answer.status_code} {answer.text}"
                )
            except httpx.TransportError:
                pass  # the connection to the gateway that served it was cut
            if made_meanwhile(applied):
                return None
            assert time.monotonic() < deadline, f"{path}: not done within 60 s"
        raise AssertionError("unreachable")


def entries(case: dict) -> list[tuple]:
    return [
        (e["kind"], e.get("from_status"), e.get("to_status"), e["actor_side"], e.get("body"))
        for e in case["timeline"]
    ]


def made_meanwhile(applied: Callable[[], bool], for_seconds: float = 2.0) -> bool:
    """Whether a change whose answer was lost shows, given a moment: the service may still be committing it."""
    until = time.monotonic() + for_seconds
    while time.monotonic() < until:
        try:
            if applied():
                return True
        except (httpx.TransportError, ValueError, KeyError):
            pass  # the read went to the process being killed, or got an error page: read again
        time.sleep(0.2)
    return False


def kill_one_of_each(portal: RunningSystem) -> None:
    for service in SERVICES:
        process = portal.processes[service]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def reading_requests(portal: RunningSystem, serials: list[str], dues: list[date]) -> None:
    portal.publish_vendor_events(
        *[
            BillingMeterReadRequested(
                request_id=f"REPLICAS-{uuid.uuid4().hex[:8]}",
                account_number=ACCOUNT_NUMBER,
                serials=serials,
                due_date=due,
            )
            for due in dues
        ],
        source="billing",
    )


def session_cookie(browser: httpx.Client) -> dict[str, str]:
    """The browser's cookies as a header, for any address (the cookie jar would keep them to one)."""
    return {"Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies.jar)}


def signed_in_at(url: str, cookie: dict[str, str], case: dict) -> bool:
    """Whether the browser's session opens the customer's case page at this address."""
    with httpx.Client(base_url=url, headers=cookie, timeout=15) as browser:
        page = browser.get(f"/cases/{case['id']}")
    return page.status_code == 200 and case["number"] in page.text


class Mail:
    """The emails to the customer, as (subject, Message-ID): each header parsed once, the inbox being large."""

    def __init__(self, messages: list[EmailMessage]) -> None:
        headers = [(str(m["To"]), str(m["Subject"]), str(m["Message-ID"])) for m in messages]
        self.emails = [(subject, message_id) for to, subject, message_id in headers if CUSTOMER in to]

    def about(self, words: str) -> dict[str, set[str]]:
        """Subject -> the Message-IDs of the customer's emails whose subject has these words."""
        found: dict[str, set[str]] = {}
        for subject, message_id in self.emails:
            if words in subject:
                found.setdefault(subject, set()).add(message_id)
        return found


def all_emails_arrived(portal: RunningSystem, stories: list[Story], dues: list[date]) -> bool:
    mail = Mail(list(portal.inbox.messages))
    cases = all(len(mail.about(s.case["number"])) >= EMAILS_PER_CASE for s in stories)
    return cases and all(len(mail.about(day(due))) >= 2 for due in dues)


def day(due: date) -> str:
    return format_date(due, "long", locale=CUSTOMER_LOCALE)  # as the reading emails write a due date


@pytest.mark.timeout(420)
def test_two_replicas_of_every_service_lose_nothing_and_repeat_nothing_when_one_of_each_is_killed(portal):
    customer, agent = portal.login(CUSTOMER), portal.login(AGENT)
    with portal.client(customer) as api:
        listed = api.get("/api/accounts/v1/devices").json()["items"]
    devices, serials = [d["id"] for d in listed], [d["serial"] for d in listed]
    today = datetime.now(UTC).date()
    # Reminded at once (both meters processes running), after the first move of business time (both running),
    # and after the second (one of them killed).
    dues = [today + timedelta(days=1), today + timedelta(days=16), today + timedelta(days=31)]
    reading_requests(portal, serials, dues)

    run = uuid.uuid4().hex[:6]
    stories = [Story(f"Gnissel {run}-{n}", devices[n % len(devices)]) for n in range(CASES)]
    load = Load(portal, customer, agent)
    total = CASES * CHANGES_PER_CASE
    with logged_in_browser(portal, CUSTOMER) as browser, ThreadPoolExecutor(WORKERS) as workers:
        cookie = session_cookie(browser)
        running = [workers.submit(load.drive, story) for story in stories]
        eventually_blocking(lambda: load.done >= total // 3, 120, 0.1)
        portal.clock.advance(AUTO_CLOSE_AFTER)  # the cases resolved so far close themselves
        first = next(s for s in stories if s.case)
        for name in ("gateway", "gateway-2"):
            assert signed_in_at(portal.replica_urls[name], cookie, first.case), name
        eventually_blocking(lambda: load.done >= total // 2, 120, 0.1)
        kill_one_of_each(portal)
        killed_at = load.done
        try:
            for future in running:
                future.result(timeout=180)
        finally:
            load.close()
    assert killed_at < total * 3 // 4  # the load went on after the kill
    portal.clock.advance(AUTO_CLOSE_AFTER)  # the rest close themselves, the last reading request is reminded

    eventually_blocking(lambda: all_emails_arrived(portal, stories, dues), 90, 0.5)
    # Give a repeated email, reminder or close every chance to show up: the inbox stays as it is for 3 seconds.
    mail = Mail(eventually_blocking(Quiet(portal.inbox), 30, 0.1, accept=lambda found: found is not None))
    for story in stories:
        sent = mail.about(story.case["number"])
        assert len(sent) == EMAILS_PER_CASE, (story.case, sent)
        assert all(len(ids) == 1 for ids in sent.values()), (story.case, sent)
    for due in dues:
        sent = mail.about(day(due))
        assert len(sent) == 2 and all(len(ids) == 1 for ids in sent.values()), (due, sent)

    with portal.client(agent) as api:
        for story in stories:
            case = api.get(f"/api/cases/v1/cases/{story.case['id']}").json()
            closed = ("status_changed", "resolved", "closed", "system", None)
            assert case["status"] == "closed", case
            assert Counter(entries(case)) == Counter([*story.sent, closed]), case["timeline"]

    assert signed_in_at(portal.replica_urls["gateway-2"], cookie, first.case)
    assert signed_in_at(portal.gateway, cookie, first.case)


class Quiet:
    """The inbox's messages once none has arrived for `quiet` seconds; None until then."""

    def __init__(self, inbox: Inbox, quiet: float = 3.0) -> None:
        self.inbox, self.quiet = inbox, quiet
        self.count, self.since = -1, time.monotonic()

    def __call__(self) -> list[EmailMessage] | None:
        if len(self.inbox.messages) != self.count:
            self.count, self.since = len(self.inbox.messages), time.monotonic()
            return None
        return list(self.inbox.messages) if time.monotonic() - self.since >= self.quiet else None
