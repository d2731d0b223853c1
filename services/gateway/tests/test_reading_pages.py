"""Meter reading pages (F-20 to F-26, F-71): the form and history on the device page, the page of due readings,
the dashboard section, and the staff's corrections and review of rejected readings. The meters service is a fake
with its rules (see gateway_fakes); what is under test is what the pages send, show and keep."""

import re

import pytest

from services.gateway.tests.gateway_fakes import DEVICE_ID, csrf_of, log_in, submit

READINGS = f"/api/meters/v1/devices/{DEVICE_ID}/readings"


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', html, re.DOTALL)
    assert match, f"no error next to {field_id}"
    assert re.search(
        rf'id="{field_id}"[^>]*aria-describedby="[^"]*{field_id}-error"[^>]*aria-invalid="true"',
        html,
        re.DOTALL,
    ), f"{field_id} does not point to its error"
    return match.group(1)


def value_of(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}"[^>]*value="([^"]*)"', html, re.DOTALL)
    assert match, f"no input {field_id}"
    return match.group(1)


def due_item(device_id: str, serial: str, counters: list[str], due_date: str = "2026-03-31") -> dict:
    return {
        "request_id": "req-1",
        "device_id": device_id,
        "serial": serial,
        "model": "imageRUNNER C3826i",
        "counters": counters,
        "due_date": due_date,
        "latest": {
            "id": f"reading-{device_id}",
            "device_id": device_id,
            "local_date": "2026-02-27",
            "read_at": "2026-02-27T09:00:00+00:00",
            "counters": {name: 1000 for name in counters},
            "source": "customer",
            "submitted_by": "user-1",
            "submitted_by_name": "Ana García",
            "confirmed_implausible": False,
        },
    }


async def test_the_reading_form_has_one_labelled_input_per_counter_of_the_device(logged_in):
    html = (await logged_in.get(f"/devices/{DEVICE_ID}")).text
    assert f'action="/devices/{DEVICE_ID}/readings"' in html and "Submit a meter reading" in html
    assert re.search(r'<label for="f-black">Black &amp; white</label>', html)
    assert re.search(r'<label for="f-colour">Colour</label>', html)
    assert re.search(r'<input id="f-black" name="black" type="text" inputmode="numeric"', html)
    assert 'name="large"' not in html and 'name="confirm"' not in html
    assert "Record a counter correction" not in html  # staff only


async def test_an_accepted_reading_is_confirmed_and_on_top_of_the_history(logged_in, fakes):
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}",
        f"/devices/{DEVICE_ID}/readings",
        {"black": "130000", "colour": " 8000 "},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/devices/{DEVICE_ID}?notice=reading#device-readings"
    assert fakes.of("meters", "POST", READINGS)[0].body == {
        "counters": {"black": 130000, "colour": 8000},
        "confirm": False,
    }
    html = (await logged_in.get(response.headers["location"])).text
    assert "Thank you. Your meter reading has been received." in html
    rows = re.findall(r"<tr><td><time[^>]*>.*?</tr>", html, re.DOTALL)
    assert "130,000" in rows[0] and "Customer" in rows[0] and "Ana García" in rows[0]
    assert "123,456" in rows[1] and "Automatic collection" in rows[1]


async def test_a_lower_value_is_explained_next_to_its_counter_and_the_values_are_kept(logged_in):
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}",
        f"/devices/{DEVICE_ID}/readings",
        {"black": "130000", "colour": "12"},
    )
    assert response.status_code == 409
    html = response.text
    assert (
        "The Colour counter cannot be lower than the previous reading: 7,890 on Mar 2, 2026."
        in field_error(html, "f-colour")
    )
    assert 'id="f-black-error"' not in html
    assert value_of(html, "f-black") == "130000" and value_of(html, "f-colour") == "12"
    assert 'role="alert"' in html


async def test_a_second_reading_the_same_day_is_refused_next_to_the_form(logged_in, fakes):
    await submit(
        logged_in,
        f"/devices/{DEVICE_ID}",
        f"/devices/{DEVICE_ID}/readings",
        {"black": "130000", "colour": "8000"},
    )
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}",
        f"/devices/{DEVICE_ID}/readings",
        {"black": "131000", "colour": "8100"},
    )
    assert response.status_code == 409
    assert "Only one reading a day is accepted." in field_error(response.text, "f-black")
    assert value_of(response.text, "f-black") == "131000" and value_of(response.text, "f-colour") == "8100"


async def test_a_value_that_is_not_a_number_is_named_by_the_service(logged_in, fakes):
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}",
        f"/devices/{DEVICE_ID}/readings",
        {"black": "130000", "colour": "12k"},
    )
    assert response.status_code == 422
    assert "Enter a whole number." in field_error(response.text, "f-colour")
    assert value_of(response.text, "f-colour") == "12k"
    assert fakes.of("meters", "POST", READINGS)[0].body["counters"] == {"black": 130000, "colour": "12k"}


async def test_an_implausible_reading_is_confirmed_then_resubmitted_with_the_typed_values(logged_in, fakes):
    response = await submit(
        logged_in,
        f"/devices/{DEVICE_ID}",
        f"/devices/{DEVICE_ID}/readings",
        {"black": "99999999", "colour": "8000"},
    )
    assert response.status_code == 409
    html = response.text
    assert "means 9,876,543 pages a day" in field_error(html, "f-black")
    assert re.search(r'<input type="checkbox" id="f-confirm" name="confirm" value="true"', html)
    assert '<label for="f-confirm">Yes, the values are correct</label>' in html
    assert value_of(html, "f-black") == "99999999" and value_of(html, "f-colour") == "8000"
    confirmed = await logged_in.post(
        f"/devices/{DEVICE_ID}/readings",
        data={
            "csrf_token": csrf_of(html),
            "black": value_of(html, "f-black"),
            "colour": value_of(html, "f-colour"),
            "confirm": "true",
        },
    )
    assert confirmed.status_code == 303
    bodies = [call.body for call in fakes.of("meters", "POST", READINGS)]
    assert bodies[-1] == {"counters": {"black": 99999999, "colour": 8000}, "confirm": True}
    page = (await logged_in.get(confirmed.headers["location"])).text
    assert "Confirmed as correct" in page


@pytest.mark.parametrize(
    "language, phrases",
    [
        (
            "es",
            [
                "Blanco y negro",
                "Recogida automática",
                "Enviar una lectura de contador",
                "Origen",
                "2 mar 2026",
            ],
        ),
        (
            "sv",
            ["Svartvitt", "Färg", "Automatisk insamling", "Lämna en mätarställning", "Källa", "2 mars 2026"],
        ),
    ],
)
async def test_history_is_in_the_user_language_with_translated_sources(gateway, fakes, language, phrases):
    fakes.me["language"] = language
    await log_in(gateway)
    html = (await gateway.get(f"/devices/{DEVICE_ID}")).text
    for phrase in phrases:
        assert phrase in html, phrase
    assert "123\u00a0456" in html or "123.456" in html


async def test_the_history_pages(logged_in, fakes):
    older = fakes.readings[DEVICE_ID][0]
    fakes.readings[DEVICE_ID] += [
        {**older, "id": f"r-{n}", "local_date": f"2025-{n % 12 + 1:02d}-01"} for n in range(30)
    ]
    html = (await logged_in.get(f"/devices/{DEVICE_ID}?page=2")).text
    assert "Page 2 of 2" in html and 'href="?page=1#device-readings"' in html
    assert "limit=20&offset=20" in fakes.of("meters", "GET", READINGS)[-1].query


async def test_the_device_page_keeps_working_without_the_meters_service(logged_in, fakes):
    fakes.down.add("meters")
    html = (await logged_in.get(f"/devices/{DEVICE_ID}")).text
    assert "meter readings cannot be shown right now" in html and "Submit a meter reading" not in html


# -- the due readings page and the dashboard (F-25, F-71)
async def test_the_dashboard_lists_requested_readings_and_links_the_due_page(logged_in, fakes):
    fakes.due = [due_item(DEVICE_ID, "SN-4711", ["black", "colour"])]
    html = (await logged_in.get("/")).text
    section = html[html.index('id="readings-requested"') :]
    assert "SN-4711" in section and "Mar 31, 2026" in section and 'href="/readings/due"' in section
    fakes.due = []
    assert "No meter readings are requested from you." in (await logged_in.get("/")).text
    fakes.down.add("meters")
    degraded = await logged_in.get("/")
    assert (
        degraded.status_code == 200 and "requested meter readings cannot be shown right now" in degraded.text
    )
    assert "CS-2026-000123" in degraded.text


async def test_the_due_page_submits_every_device_and_shows_each_outcome(logged_in, fakes):
    fakes.due = [
        due_item(DEVICE_ID, "SN-4711", ["black", "colour"]),
        due_item("dev-2", "SN-0815", ["black"]),
        due_item("dev-3", "SN-0999", ["black"]),
        due_item("dev-4", "SN-1234", ["black"]),
    ]
    fakes.readings["dev-3"] = [
        {
            "id": "r",
            "local_date": "2026-03-01",
            "read_at": "2026-03-01T08:00:00+00:00",
            "counters": {"black": 5000},
            "source": "customer",
        }
    ]
    page = await logged_in.get("/readings/due")
    html = page.text
    assert 'id="f-dev-2-black" name="dev-2.black"' in html and "Last reading: 1,000 on Feb 27, 2026" in html
    assert html.count('<fieldset class="field reading-device') == 4
    response = await logged_in.post(
        "/readings/due",
        data={
            "csrf_token": csrf_of(html),
            f"{DEVICE_ID}.black": "130000",
            f"{DEVICE_ID}.colour": "8000",
            "dev-2.black": "2000",
            "dev-3.black": "4000",
            "dev-4.black": "",
        },
    )
    assert response.status_code == 409
    html = response.text
    sent = {call.path: call.body for call in fakes.of("meters", "POST")}
    assert set(sent) == {
        READINGS,
        "/api/meters/v1/devices/dev-2/readings",
        "/api/meters/v1/devices/dev-3/readings",
    }
    assert sent["/api/meters/v1/devices/dev-2/readings"] == {"counters": {"black": 2000}, "confirm": False}
    assert "Reading received for SN-4711." in html and "Reading received for SN-0815." in html
    assert "2 readings have been received. Thank you." in html
    assert "cannot be lower than the previous reading: 5,000" in field_error(html, "f-dev-3-black")
    assert value_of(html, "f-dev-3-black") == "4000"
    assert 'id="f-dev-4-black"' in html and 'id="f-dev-4-black-error"' not in html
    assert 'id="f-dev-2-black"' not in html  # done: no input left


async def test_the_due_page_asks_for_confirmation_per_device(logged_in, fakes):
    fakes.due = [due_item("dev-2", "SN-0815", ["black"])]
    html = (await logged_in.get("/readings/due")).text
    refused = await logged_in.post(
        "/readings/due", data={"csrf_token": csrf_of(html), "dev-2.black": "50000000"}
    )
    assert refused.status_code == 409
    assert re.search(r'id="f-dev-2-confirm" name="dev-2.confirm" value="true"', refused.text)
    assert value_of(refused.text, "f-dev-2-black") == "50000000"
    accepted = await logged_in.post(
        "/readings/due",
        data={"csrf_token": csrf_of(html), "dev-2.black": "50000000", "dev-2.confirm": "true"},
    )
    assert accepted.status_code == 200 and "Reading received for SN-0815." in accepted.text
    assert fakes.of("meters", "POST")[-1].body == {"counters": {"black": 50000000}, "confirm": True}


async def test_an_empty_due_page_submission_is_refused_without_calling_meters(logged_in, fakes):
    fakes.due = [due_item("dev-2", "SN-0815", ["black"])]
    html = (await logged_in.get("/readings/due")).text
    response = await logged_in.post("/readings/due", data={"csrf_token": csrf_of(html), "dev-2.black": ""})
    assert response.status_code == 422 and "Enter the counters of at least one device." in response.text
    assert fakes.of("meters", "POST") == []
    fakes.due = []
    assert "No meter readings are due." in (await logged_in.get("/readings/due")).text


# -- the staff's side (F-24, F-26)
REJECTED = {
    "id": "rej-1",
    "device_id": DEVICE_ID,
    "account_id": "acc-1",
    "serial": "SN-4711",
    "read_at": "2026-03-03T06:00:00+00:00",
    "counters": {"black": 100, "colour": 50},
    "reason_code": "lower_than_previous",
    "reason": "The black counter is lower than 123456.",
    "created_at": "2026-03-03T06:00:05+00:00",
    "reviewed_at": None,
    "reviewed_by": None,
    "resolution": None,
    "reading_id": None,
}


async def test_customers_get_403_on_the_review_list_and_see_no_link_to_it(logged_in, fakes):
    fakes.rejected = [dict(REJECTED)]
    assert (await logged_in.get("/agent/readings/rejected")).status_code == 403
    html = (await logged_in.get("/")).text
    assert 'href="/agent/readings/rejected"' not in html
    response = await logged_in.post(
        "/agent/readings/rejected/rej-1/review", data={"csrf_token": csrf_of(html), "resolution": "dismissed"}
    )
    assert response.status_code == 403 and fakes.of("meters", "POST") == []


async def test_agents_review_rejected_readings(gateway, fakes):
    fakes.staff_role = "agent"
    fakes.rejected = [dict(REJECTED), {**REJECTED, "id": "rej-2", "reason": "Second reading today."}]
    await log_in(gateway)
    html = (await gateway.get("/agent/readings/rejected")).text
    assert 'href="/agent/readings/rejected" aria-current="page"' in html
    assert "The black counter is lower than 123456." in html and "Black &amp; white: 100" in html
    assert html.count('action="/agent/readings/rejected/rej-1/review"') == 2
    assert "Accept as agent reading" in html and "Dismiss" in html
    dismissed = await gateway.post(
        "/agent/readings/rejected/rej-1/review", data={"csrf_token": csrf_of(html), "resolution": "dismissed"}
    )
    assert dismissed.headers["location"] == "/agent/readings/rejected?notice=dismissed"
    accepted = await gateway.post(
        "/agent/readings/rejected/rej-2/review",
        data={"csrf_token": csrf_of(html), "resolution": "accepted_as_agent"},
    )
    assert accepted.status_code == 303
    assert [c.body for c in fakes.of("meters", "POST")] == [
        {"resolution": "dismissed"},
        {"resolution": "accepted_as_agent"},
    ]
    page = (await gateway.get(accepted.headers["location"])).text
    assert "The reading has been accepted as an agent reading." in page
    assert "No rejected readings are waiting for review." in page
    again = await gateway.post(
        "/agent/readings/rejected/rej-1/review", data={"csrf_token": csrf_of(html), "resolution": "dismissed"}
    )
    assert (
        again.status_code == 409
        and "This reading was already reviewed." in again.text
        and 'role="alert"' in again.text
    )


async def test_agents_record_a_correction_and_a_refusal_keeps_the_form(gateway, fakes):
    fakes.staff_role = "agent"
    await log_in(gateway)
    html = (await gateway.get(f"/devices/{DEVICE_ID}")).text
    assert 'action="/devices/dev-1/corrections"' in html
    assert 'id="f-kind-counter_reset" name="kind" value="counter_reset"' in html
    assert 'id="f-correction-colour" name="counters" value="colour"' in html
    refused = await gateway.post(
        f"/devices/{DEVICE_ID}/corrections",
        data={
            "csrf_token": csrf_of(html),
            "kind": "device_replacement",
            "counters": ["black", "colour"],
            "reason": "",
        },
    )
    assert refused.status_code == 422 and "This field is required." in refused.text
    assert re.search(r'id="f-kind-device_replacement"[^>]*checked', refused.text)
    assert re.search(r'id="f-correction-colour"[^>]*checked', refused.text)
    done = await gateway.post(
        f"/devices/{DEVICE_ID}/corrections",
        data={
            "csrf_token": csrf_of(html),
            "kind": "counter_reset",
            "counters": "black",
            "reason": "Board replaced",
        },
    )
    assert done.headers["location"] == f"/devices/{DEVICE_ID}?notice=corrected#device-readings"
    assert fakes.of("meters", "POST")[-1].body == {
        "kind": "counter_reset",
        "counters": ["black"],
        "reason": "Board replaced",
    }
    assert "The correction has been recorded." in (await gateway.get(done.headers["location"])).text


async def test_customers_cannot_post_corrections(logged_in, fakes):
    html = (await logged_in.get(f"/devices/{DEVICE_ID}")).text
    response = await logged_in.post(
        f"/devices/{DEVICE_ID}/corrections",
        data={"csrf_token": csrf_of(html), "kind": "counter_reset", "counters": "black", "reason": "x"},
    )
    assert response.status_code == 403 and fakes.of("meters", "POST") == []
