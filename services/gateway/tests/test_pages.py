"""The portal's pages: what they show, in which language, and how forms behave when a service refuses."""

import re

import pytest

from services.gateway.tests.gateway_fakes import CASE_ID, DEVICE_ID, PASSWORD, csrf_of, log_in, submit


async def test_dashboard_lists_open_cases_with_due_time_and_device_count(logged_in, fakes):
    response = await logged_in.get("/")
    assert response.status_code == 200
    html = response.text
    assert "CS-2026-000123" in html and "Paper jam in tray 2" in html and "In progress" in html
    assert "You can see 1 device." in html
    # Times in the profile's time zone (Europe/Madrid), from the cookie set at login.
    assert '<time datetime="' in html
    statuses = sorted(c.query for c in fakes.of("cases", "GET", "/api/cases/v1/cases"))
    assert any("status=in_progress" in q for q in statuses) and any("status=new" in q for q in statuses)


async def test_case_page_shows_the_whole_timeline_in_order_escaped(logged_in):
    response = await logged_in.get(f"/cases/{CASE_ID}")
    html = response.text
    created, changed, message = (
        html.index("Created the case."),
        html.index("Changed the status from New to In progress."),
        html.index("We are looking at it."),
    )
    assert created < changed < message
    assert "It jams &lt;b&gt;every&lt;/b&gt; time." in html  # autoescaped
    # The customer's page offers the customer's actions only (reply, cancel, reopen), never the staff's moves.
    assert "Wait for customer" not in html and "Mark resolved" not in html


async def test_create_case_redirects_to_it_with_the_number(logged_in, fakes):
    response = await submit(
        logged_in,
        f"/cases/new?device_id={DEVICE_ID}",
        "/cases/new",
        {
            "device_id": DEVICE_ID,
            "category": "error_code",
            "error_code": "E000-0001",
            "subject": "Error on panel",
            "description": "It shows an error.",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/cases/case-2?notice=created"
    sent = fakes.of("cases", "POST", "/api/cases/v1/cases")[0].body
    assert sent == {
        "device_id": DEVICE_ID,
        "type": "incident",
        "category": "error_code",
        "subject": "Error on panel",
        "description": "It shows an error.",
        "error_code": "E000-0001",
    }
    page = await logged_in.get(response.headers["location"])
    assert "Your case has been created." in page.text and "Your case number is CS-2026-000124." in page.text


async def test_refused_form_keeps_typed_values_and_shows_the_field_message(logged_in):
    response = await submit(
        logged_in,
        "/cases/new",
        "/cases/new",
        {
            "device_id": DEVICE_ID,
            "category": "paper_jam",
            "error_code": "",
            "subject": "",
            "description": "Paper <jams> again",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert "Paper &lt;jams&gt; again</textarea>" in html
    assert re.search(r'<option value="paper_jam"\s+selected', html)
    assert re.search(r'<option value="dev-1"\s+selected', html)
    error = re.search(r'<p class="field-error" id="f-subject-error">(.*?)</p>', html, re.DOTALL)
    assert error and "This field is required." in error.group(1)
    assert re.search(r'id="f-subject"[^>]*aria-describedby="f-subject-error"[^>]*aria-invalid="true"', html)
    assert 'role="alert" aria-live="assertive"' in html


async def test_refused_registration_keeps_values_and_names_the_field(gateway, fakes):
    response = await submit(
        gateway,
        "/register",
        "/register",
        {
            "name": "Ana García",
            "email": "ana@example.com",
            "password": "a long enough password",
            "language": "es",
            "account_number": "100200",
            "serial": "WRONG",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert 'value="Ana García"' in html and 'value="100200"' in html and 'value="WRONG"' in html
    assert "This serial number does not match a device of that account number." in html
    assert "a long enough password" not in html  # passwords are never echoed back
    assert (
        fakes.of("accounts", "POST", "/api/accounts/v1/registrations")[0].body["account_number"] == "100200"
    )


async def test_registration_verification_and_password_reset_flow(gateway, fakes):
    done = await submit(
        gateway,
        "/register",
        "/register",
        {
            "name": "Ana",
            "email": "ana@example.com",
            "password": "a long enough password",
            "language": "en",
            "account_number": "100200",
            "serial": "SN-4711",
        },
    )
    assert done.status_code == 200 and "Check your email" in done.text
    verified = await submit(gateway, "/verify-email?token=good", "/verify-email", {"token": "good"})
    assert "Email address confirmed" in verified.text
    expired = await submit(gateway, "/verify-email?token=bad", "/verify-email", {"token": "bad"})
    assert expired.status_code == 400 and "The request could not be understood." in expired.text
    asked = await submit(gateway, "/forgot-password", "/forgot-password", {"email": "ana@example.com"})
    assert "Check your email" in asked.text
    short = await submit(
        gateway, "/reset-password?token=t1", "/reset-password", {"token": "t1", "password": "short"}
    )
    assert (
        short.status_code == 422
        and "Enter at least 12 characters." in short.text
        and 'value="t1"' in short.text
    )
    reset = await submit(
        gateway,
        "/reset-password?token=t1",
        "/reset-password",
        {"token": "t1", "password": "a long new password"},
    )
    assert reset.headers["location"] == "/login?notice=reset"
    assert fakes.of("accounts", "POST", "/api/accounts/v1/auth/password-reset/confirm")[-1].body == {
        "token": "t1",
        "password": "a long new password",
    }
    invited = await submit(
        gateway, "/invitations/tok-1", "/invitations/tok-1", {"name": "Bo", "password": "a long new password"}
    )
    assert invited.headers["location"] == "/login?notice=invited"
    assert fakes.of("accounts", "POST", "/api/accounts/v1/invitations/accept")[0].body == {
        "token": "tok-1",
        "name": "Bo",
        "password": "a long new password",
    }


async def test_reply_and_status_change_on_a_case(logged_in, fakes):
    sent = await submit(
        logged_in, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/messages", {"body": "Still jammed."}
    )
    assert sent.status_code == 303
    assert fakes.of("cases", "POST", f"/api/cases/v1/cases/{CASE_ID}/messages")[0].body == {
        "body": "Still jammed.",
        "internal": False,
    }
    changed = await submit(logged_in, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/status", {"status": "resolved"})
    assert changed.status_code == 303
    refused = await submit(logged_in, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/status", {"status": "new"})
    assert refused.status_code == 409 and "The case cannot go from “Resolved” to “New”." in refused.text


async def test_empty_reply_keeps_the_page_and_names_the_field(logged_in):
    response = await submit(logged_in, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/messages", {"body": ""})
    assert response.status_code == 422 and "This field is required." in response.text


async def test_case_list_filters_and_pages(logged_in, fakes):
    response = await logged_in.get("/cases?status=&type=incident&q=jam&page=2")
    assert response.status_code == 200
    call = fakes.of("cases", "GET", "/api/cases/v1/cases")[-1]
    assert "type=incident" in call.query and "q=jam" in call.query and "limit=20&offset=20" in call.query
    assert "status=" not in call.query
    html = response.text
    assert "Page 2 of 3" in html and "page=1" in html and "page=3" in html and "45 cases" in html


async def test_case_list_shows_a_refused_filter_next_to_it(logged_in):
    response = await logged_in.get("/cases?created_from=not-a-date")
    assert response.status_code == 422 and "Enter a valid date." in response.text


async def test_device_page_shows_location_cases_and_readings(logged_in, fakes):
    response = await logged_in.get(f"/devices/{DEVICE_ID}")
    html = response.text
    assert "SN-4711" in html and "Calle Mayor 1" in html and "8 business hours" in html
    assert "123,456" in html and "CS-2026-000123" in html
    fakes.down.add("meters")
    degraded = await logged_in.get(f"/devices/{DEVICE_ID}")
    assert degraded.status_code == 200 and "meter readings cannot be shown right now" in degraded.text


async def test_missing_device_is_a_404_page(logged_in):
    response = await logged_in.get("/devices/someone-elses")
    assert response.status_code == 404 and "Page not found" in response.text


async def test_service_down_shows_an_unavailable_page(logged_in, fakes):
    fakes.down.add("accounts")
    response = await logged_in.get("/devices")
    assert response.status_code == 503 and "Service temporarily unavailable" in response.text


async def test_profile_update_sends_preferences_and_refreshes_the_language(logged_in, fakes):
    response = await submit(
        logged_in,
        "/profile",
        "/profile",
        {
            "name": "Ana G.",
            "phone": "+34 600",
            "language": "sv",
            "time_zone": "Europe/Stockholm",
            "notifications": ["case_created", "case_resolved"],
        },
    )
    assert response.status_code == 303
    sent = fakes.of("accounts", "PATCH", "/api/accounts/v1/me")[0].body
    assert sent["language"] == "sv" and sent["time_zone"] == "Europe/Stockholm"
    assert sent["notification_preferences"]["case_resolved"] is True
    assert sent["notification_preferences"]["case_message"] is False
    page = await logged_in.get("/profile?saved=1")
    assert '<html lang="sv">' in page.text and "Din profil har sparats." in page.text


async def test_refused_profile_keeps_values(logged_in):
    response = await submit(
        logged_in,
        "/profile",
        "/profile",
        {"name": "Ana Typed", "phone": "", "language": "es", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 422
    assert 'value="Ana Typed"' in response.text and "Choose a known time zone." in response.text


async def test_customers_get_403_on_the_agent_pages(logged_in, fakes):
    for path in ("/agent", f"/agent/cases/{CASE_ID}"):
        response = await logged_in.get(path)
        assert response.status_code == 403 and "Access denied" in response.text
    assert 'href="/agent"' not in (await logged_in.get("/")).text


async def test_agent_sees_notes_and_can_reply_note_and_change_status(gateway, fakes):
    fakes.staff_role = "agent"
    fakes.department_members["technical_support"] = ["user-1"]
    fakes.cases[CASE_ID]["timeline"].append(
        {
            "kind": "note",
            "at": "2030-01-01T00:00:00+00:00",
            "actor_id": "agent-1",
            "actor_name": "Sven",
            "actor_side": "vendor",
            "body": "Customer is a VIP.",
        }
    )
    await log_in(gateway)
    queue = await gateway.get("/agent")
    assert queue.status_code == 200 and "CS-2026-000123" in queue.text and "/agent/cases/case-1" in queue.text
    page = await gateway.get(f"/agent/cases/{CASE_ID}")
    assert "Customer is a VIP." in page.text and "Internal note – not visible to the customer" in page.text
    token = csrf_of(page.text)
    await gateway.post(
        f"/agent/cases/{CASE_ID}/messages?internal=1", data={"note": "Call back", "csrf_token": token}
    )
    await gateway.post(f"/agent/cases/{CASE_ID}/messages", data={"reply": "On our way", "csrf_token": token})
    bodies = [c.body for c in fakes.of("cases", "POST", f"/api/cases/v1/cases/{CASE_ID}/messages")]
    assert bodies == [{"body": "Call back", "internal": True}, {"body": "On our way", "internal": False}]
    moved = await gateway.post(
        f"/agent/cases/{CASE_ID}/status", data={"status": "waiting_for_customer", "csrf_token": token}
    )
    assert moved.headers["location"] == f"/agent/cases/{CASE_ID}?notice=status"
    refused = await gateway.post(f"/agent/cases/{CASE_ID}/messages", data={"reply": "", "csrf_token": token})
    assert refused.status_code == 422 and "This field is required." in refused.text


@pytest.mark.parametrize(
    "language, phrases",
    [
        ("en", ["Open cases", "In progress", "Report a problem", "Skip to main content"]),
        ("es", ["Casos abiertos", "En curso", "Comunicar una incidencia", "Saltar al contenido principal"]),
        ("sv", ["Öppna ärenden", "Pågår", "Rapportera ett problem", "Hoppa till huvudinnehållet"]),
    ],
)
async def test_pages_follow_the_profile_language(gateway, fakes, language, phrases):
    fakes.me["language"] = language
    await log_in(gateway)
    html = (await gateway.get("/", headers={"Accept-Language": "en"})).text
    assert f'<html lang="{language}">' in html
    for phrase in phrases:
        assert phrase in html


@pytest.mark.parametrize(
    "accept, expected, phrase",
    [
        ("es-ES,es;q=0.9", "es", "¿Ha olvidado su contraseña?"),
        ("sv-SE,sv;q=0.8,en;q=0.5", "sv", "Har du glömt ditt lösenord?"),
        ("de-DE", "en", "Forgot your password?"),
    ],
)
async def test_anonymous_pages_follow_the_browser_language(gateway, accept, expected, phrase):
    html = (await gateway.get("/login", headers={"Accept-Language": accept})).text
    assert f'<html lang="{expected}">' in html and phrase in html


async def test_language_switcher_wins_over_the_browser(gateway):
    switched = await gateway.get("/language/sv?next=/register", headers={"Accept-Language": "es"})
    assert switched.status_code == 303 and switched.headers["location"] == "/register"
    html = (await gateway.get("/register", headers={"Accept-Language": "es"})).text
    assert '<html lang="sv">' in html and "Skapa ett konto" in html
    assert (await gateway.get("/language/sv?next=https://evil.example")).headers["location"] == "/"


async def test_dates_are_formatted_in_the_user_locale_and_time_zone(gateway, fakes):
    fakes.me["language"] = "es"
    fakes.cases[CASE_ID]["response_due_at"] = "2030-07-01T08:00:00+00:00"
    fakes.cases[CASE_ID]["service_level"]["due_at"] = "2030-07-01T08:00:00+00:00"
    await log_in(gateway)
    html = (await gateway.get("/")).text
    assert "1/7/30, 10:00" in html  # Madrid is UTC+2 in summer; Spanish short date format


EXTERNAL = re.compile(r'(?:src|href|action)\s*=\s*"(?:https?:)?//', re.IGNORECASE)


async def test_no_page_references_anything_outside_the_deployment(logged_in, fakes):
    pages = [
        "/",
        "/devices",
        f"/devices/{DEVICE_ID}",
        "/cases",
        "/cases/new",
        f"/cases/{CASE_ID}",
        "/profile",
        "/logout",
    ]
    for path in pages:
        response = await logged_in.get(path)
        assert response.status_code == 200, path
        assert not EXTERNAL.search(response.text), path
        assert "Content-Security-Policy" in response.headers
    await logged_in.post("/logout", data={"csrf_token": csrf_of((await logged_in.get("/")).text)})
    for path in [
        "/login",
        "/register",
        "/forgot-password",
        "/reset-password?token=x",
        "/verify-email?token=x",
        "/invitations/abc",
    ]:
        response = await logged_in.get(path)
        assert response.status_code == 200, path
        assert not EXTERNAL.search(response.text), path
    css = await logged_in.get("/static/style.css")
    assert css.status_code == 200 and "url(" not in css.text and "@import" not in css.text


@pytest.mark.parametrize("path", ["/cases/a%00b", "/devices/a%00b", "/cases?q=a%00b", "/static/a%00b"])
async def test_a_nul_in_a_page_address_is_a_page_that_says_so(logged_in, fakes, path):
    calls = len(fakes.calls)
    response = await logged_in.get(path, headers={"Accept": "text/html"})
    assert response.status_code in (400, 404) and "text/html" in response.headers["content-type"]
    assert len(fakes.calls) == calls  # nothing went to a service


async def test_time_zones_are_a_curated_list_by_region_with_the_account_zone_first(logged_in, fakes):
    fakes.me["memberships"][0]["time_zone"] = "Atlantic/Canary"
    html = (await logged_in.get("/profile")).text
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert groups[:3] == ["Your account&#39;s", "Europe", "Americas"]
    first = html.split('<optgroup label="Your account')[1].split("</optgroup>")[0]
    assert 'value="Atlantic/Canary"' in first and "Canary (UTC" in first
    assert html.count('value="Atlantic/Canary"') == 1  # not again under Europe
    assert html.count("<option ") < 100  # not the 600 raw names
    assert re.search(r'<option value="Europe/Madrid"\s+selected>Madrid \(UTC\+0[12]:00\)', html)


async def test_the_time_zones_are_named_in_the_visitor_language(gateway, fakes):
    fakes.me["language"] = "es"
    await log_in(gateway)
    html = (await gateway.get("/profile")).text
    assert '<optgroup label="Europa">' in html and "Estocolmo (UTC" in html


async def test_a_password_change_needs_the_current_password(logged_in, fakes):
    mismatch = await submit(
        logged_in,
        "/profile",
        "/profile/password",
        {"current_password": "x", "new_password": "a new long password", "new_password_again": "other"},
    )
    assert mismatch.status_code == 422 and "The two new passwords are not the same." in mismatch.text
    assert not fakes.of("accounts", "POST", "/api/accounts/v1/me/password")
    wrong = await submit(
        logged_in,
        "/profile",
        "/profile/password",
        {
            "current_password": "guess",
            "new_password": "a new long password",
            "new_password_again": "a new long password",
        },
    )
    assert wrong.status_code == 422
    assert (
        'id="f-current_password-error"' in wrong.text and "The current password is not correct." in wrong.text
    )
    assert "guess" not in wrong.text and "a new long password" not in wrong.text  # passwords are never echoed
    changed = await submit(
        logged_in,
        "/profile",
        "/profile/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long password",
            "new_password_again": "a new long password",
        },
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/profile?notice=password"
    assert fakes.of("accounts", "POST", "/api/accounts/v1/me/password")[-1].body == {
        "current_password": PASSWORD,
        "new_password": "a new long password",
    }
    page = (await logged_in.get(changed.headers["location"])).text
    assert "Any other session using your account has ended." in page


@pytest.mark.parametrize(
    "country, language, zone, written",
    [
        ("ES", "en", "Europe/Madrid", "01/07/2030, 10:00"),
        ("SE", "en", "Europe/Stockholm", "01/07/2030, 10:00"),
        ("US", "en", "America/New_York", "7/1/30, 4:00\u202fAM"),
        ("ES", "es", "Europe/Madrid", "1/7/30, 10:00"),
        ("SE", "sv", "Europe/Stockholm", "2030-07-01 10:00"),
    ],
)
async def test_dates_follow_the_language_and_the_account_country(
    gateway, fakes, country, language, zone, written
):
    """English for a European account is British English: day before month, a 24-hour clock."""
    fakes.country, fakes.me["language"], fakes.me["time_zone"] = country, language, zone
    fakes.audit = [
        {
            "at": "2030-07-01T08:00:00+00:00",
            "actor_id": "user-1",
            "actor_name": "Ana García",
            "action": "membership.set",
            "target_type": "user",
            "target_id": "user-1",
            "details": {"role": "administrator"},
            "old_values": None,
            "new_values": None,
            "correlation_id": None,
        }
    ]
    await log_in(gateway)
    html = (await gateway.get("/account/audit")).text
    assert written in html
