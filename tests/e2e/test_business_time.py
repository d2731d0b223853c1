"""Business time across the processes: the services follow the test's clock file, and the demo accounts reach
cases with their subdivision and get their business-hours calendars (F-12)."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e
ADMIN, AGENT = "admin@iberica.example", "agent@canon.example"
# A Friday afternoon in Madrid, before the real time: the case made then sorts after every other in the lists.
FRIDAY_AFTERNOON = datetime(2026, 2, 6, 16, 30, tzinfo=ZoneInfo("Europe/Madrid"))


def test_the_services_stamp_business_data_with_the_tests_clock(system):
    customer = system.login(ADMIN)
    system.clock.set(FRIDAY_AFTERNOON)
    try:
        with system.client(customer) as api:
            device = api.get("/api/accounts/v1/devices").json()["items"][0]
            created = api.post(
                "/api/cases/v1/cases",
                json={
                    "device_id": device["id"],
                    "type": "incident",
                    "category": "paper_jam",
                    "subject": "Atasco el viernes por la tarde",
                    "description": "Se atasca en cada impresión.",
                },
            )
        assert created.status_code == 201, created.text
        case = created.json()
        created_at = datetime.fromisoformat(case["created_at"])
        assert FRIDAY_AFTERNOON <= created_at < FRIDAY_AFTERNOON + timedelta(minutes=2)
        # The acknowledgement is sent (its delivery is scheduled on the real clock) and dated in business time.
        [ack] = system.inbox.wait_for(lambda m: ADMIN in m["To"] and case["number"] in m["Subject"])
        sent_on = parsedate_to_datetime(ack["Date"]).astimezone(UTC)
        assert FRIDAY_AFTERNOON <= sent_on < FRIDAY_AFTERNOON + timedelta(minutes=2)
    finally:
        system.clock.reset()


def test_the_demo_accounts_use_their_regions_calendars(system):
    with system.client(system.login(AGENT)) as api:
        accounts = {a["number"]: a for a in api.get("/api/accounts/v1/accounts").json()["items"]}
        spanish, swedish = accounts["ES-100234"], accounts["SE-200567"]
        assert (spanish["subdivision"], swedish["subdivision"]) == ("ES-MD", "SE-AB")
        uses = {
            number: api.get(f"/api/cases/v1/accounts/{account['id']}/calendar").json()["calendar_id"]
            for number, account in (("ES-100234", spanish), ("SE-200567", swedish))
        }
        assert uses == {"ES-100234": "ES-MD", "SE-200567": "SE"}
        due = api.get(
            "/api/cases/v1/calendars/ES-MD/due", params={"start": FRIDAY_AFTERNOON.isoformat(), "hours": 4}
        )
        assert due.json()["due_at"] == "2026-02-09T10:30:00Z"  # Monday 11:30 in Madrid
