"""Outages of one part of the portal: the rest serves, and no event is parked or lost because of them.

The cases database refusing connections for three minutes while events for cases arrive: the cases service holds
the events it has in hand, takes no more until the database answers, and then handles every one; none is parked
(the retry tiers, 71 s in all, would have parked them). The notifications service stopped: logins and case pages
through the gateway work, the gateway stays ready, and the part of the staff's case page that lists the emails says
it is unavailable."""

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from deploy.demo.data import DEMO_PASSWORD
from shared.bus import Names
from shared.events.vendor import FieldserviceVisitUpdated
from shared.parked import list_parked
from shared.testing import TcpProxy, eventually_blocking
from tests.e2e.test_resilience import create_case

pytestmark = pytest.mark.e2e
ADMIN = "admin@iberica.example"
AGENT = "agent@canon.example"
OUTAGE = timedelta(minutes=3)
EVENT_EVERY = 10.0  # seconds between two events arriving during the outage


class ProxyThread:
    """The database behind a TCP proxy running in a thread of its own, which the test makes refuse connections
    (each one is dropped as it opens, the open ones cut) and accept them again."""

    def __init__(self, host: str, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.proxy = TcpProxy(host, port)
        self._run(self.proxy.start())

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def refuse(self) -> None:
        async def refuse() -> None:
            self.proxy.refusing = True
            self.proxy.cut()

        self._run(refuse())

    def accept(self) -> None:
        async def accept() -> None:
            self.proxy.refusing = False

        self._run(accept())

    def close(self) -> None:
        self._run(self.proxy.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def restart_with_database(system, service: str, database_url: str) -> None:
    system.stop(service)
    config = replace(system.config, database_urls={**system.config.database_urls, service: database_url})
    log = (system.logs / f"{service}.log").open("a")
    system.processes[service] = config.start(service, stdout=log, stderr=log)
    config.wait_ready(timeout=60, services=(service,))


def visits_recorded(database_url: str, case_id: str) -> int:
    async def count() -> int | None:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.scalar(
                    select(func.count())
                    .select_from(text("case_fulfilment_update"))
                    .where(text("case_id = :case_id AND kind = 'visit'").bindparams(case_id=case_id))
                )
        finally:
            await engine.dispose()

    # In a thread of its own: eventually_blocking() calls this from a running event loop.
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, count()).result() or 0


@pytest.mark.timeout(OUTAGE.total_seconds() + 300)
def test_a_three_minute_outage_of_the_cases_database_parks_nothing_and_loses_nothing(system):
    case = create_case(system, system.login(ADMIN), "Visitas durante la caída de la base de datos")
    database_url = system.config.database_urls["cases"]
    direct = make_url(database_url)
    proxy = ProxyThread(direct.host or "127.0.0.1", direct.port or 5432)
    through_proxy = direct.set(host="127.0.0.1", port=proxy.proxy.port).render_as_string(hide_password=False)
    restart_with_database(system, "cases", through_proxy)
    try:
        start = datetime.now(UTC).replace(microsecond=0)
        visits: list[FieldserviceVisitUpdated] = []
        proxy.refuse()
        outage_ends = time.monotonic() + OUTAGE.total_seconds()
        while time.monotonic() < outage_ends:
            visit = FieldserviceVisitUpdated(
                case_id=case["id"],
                status="scheduled",
                technician=f"Técnico {len(visits)}",
                scheduled_for=start + timedelta(days=1),
                at=start + timedelta(minutes=len(visits)),
            )
            system.publish_vendor_events(visit, source="fieldservice")
            visits.append(visit)
            time.sleep(EVENT_EVERY)
        with httpx.Client(base_url=system.config.url("cases"), timeout=10) as cases:
            assert cases.get("/health/ready").status_code == 503  # its database is still away
        proxy.accept()

        eventually_blocking(lambda: visits_recorded(database_url, case["id"]) == len(visits), 120, 1.0)
        names = Names(system.config.bus_prefix, "cases")
        assert asyncio.run(list_parked(system.config.amqp_url, names)) == []
        assert len(visits) >= OUTAGE.total_seconds() // EVENT_EVERY
        log = system.log_of("cases")
        assert "holding" in log and "database back after" in log
    finally:
        system.stop("cases")
        system.start("cases")
        proxy.close()


@contextmanager
def logged_in_browser(system, email: str) -> Iterator[httpx.Client]:
    """A browser's session through the gateway's login form."""
    with httpx.Client(base_url=system.gateway, timeout=15) as browser:
        form = browser.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "the login page has no CSRF field"
        logged_in = browser.post(
            "/login",
            data={"email": email, "password": DEMO_PASSWORD, "next": "/", "csrf_token": token.group(1)},
        )
        assert logged_in.status_code == 303, logged_in.text
        yield browser


def test_with_notifications_stopped_logins_and_case_pages_work_and_the_gateway_stays_ready(system):
    case = create_case(system, system.login(ADMIN), "Notificaciones paradas")
    system.stop("notifications")
    try:
        with httpx.Client(base_url=system.gateway, timeout=15) as anyone:
            ready = anyone.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"] == {
            "accounts": "ready",
            "cases": "ready",
            "meters": "ready",
            "notifications": "unreachable",
        }
        with logged_in_browser(system, ADMIN) as customer:
            page = customer.get(f"/cases/{case['id']}")
            assert page.status_code == 200 and case["number"] in page.text
        with logged_in_browser(system, AGENT) as agent:
            page = agent.get(f"/agent/cases/{case['id']}")
        assert page.status_code == 200 and case["number"] in page.text
        emails = page.text.split('data-part="emails"')[1].split("</section>")[0]
        assert "This part is unavailable right now." in emails  # the agent's language is English
    finally:
        system.start("notifications")
    with logged_in_browser(system, AGENT) as agent:
        back = agent.get(f"/agent/cases/{case['id']}").text.split('data-part="emails"')[1]
    assert "unavailable" not in back.split("</section>")[0]
