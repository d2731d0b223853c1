"""F-12, F-42 in the portal: the business-hours calendars. The vendor's staff find them in the menu; agents read
them, supervisors also get the forms the cases service allows them (`allowed_actions`); each form sends the
service's operation and shows its refusals next to the field at fault, in the visitor's language; places, time
zones, weekdays and holidays read in that language too."""

import re

import pytest

from services.gateway.tests.gateway_fakes import csrf_of, log_in

LIST = "/supervisor/calendars"
PAGE = f"{LIST}/ES-MD"
FORMS = {"set_hours", "add_day", "assign_calendar", "preview_due"}


def actions_on(html: str) -> set[str]:
    return set(re.findall(r'data-action="([^"]+)"', html))


async def visitor(gateway, fakes, staff_role: str | None, language: str = "en"):
    fakes.staff_role, fakes.me["language"] = staff_role, language
    await log_in(gateway)
    return gateway


@pytest.fixture
async def supervisor(gateway, fakes):
    return await visitor(gateway, fakes, "supervisor")


def week_form(token: str, **changes: str) -> dict[str, str]:
    """The weekly hours form as the page shows it for the fake's calendar (Monday to Friday 08:00-17:00, two
    slots a day), with changes."""
    form = {"csrf_token": token}
    for weekday in range(7):
        for index in range(2):
            opens = weekday < 5 and index == 0
            form[f"d{weekday}r{index}_start"] = "08:00" if opens else ""
            form[f"d{weekday}r{index}_end"] = "17:00" if opens else ""
    return {**form, **changes}


async def test_customers_neither_see_nor_open_the_calendars(gateway, fakes):
    client = await visitor(gateway, fakes, None)
    assert f'href="{LIST}"' not in (await client.get("/profile")).text
    assert (await client.get(LIST)).status_code == 403
    assert (await client.get(PAGE)).status_code == 403
    assert fakes.of("cases", "GET", "/api/cases/v1/calendars") == []


async def test_an_agent_reads_a_calendar_without_any_form(gateway, fakes):
    client = await visitor(gateway, fakes, "agent")
    assert f'href="{LIST}"' in (await client.get("/profile")).text
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    assert actions_on(page.text) == {"preview_due"}
    assert "08:00–17:00" in page.text and "Closed all day" in page.text
    token = csrf_of(page.text)
    refused = await client.post(f"{PAGE}/weekly-hours", data=week_form(token))
    assert refused.status_code == 403  # the service refuses; the page does not decide it


async def test_the_list_names_places_and_zones_in_the_visitors_language(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor", "es")
    page = await client.get(LIST)
    assert page.status_code == 200, page.text
    assert "Calendarios laborables" in page.text
    assert "España (ES-MD)" in page.text and "Suecia" in page.text
    assert "Spain" not in page.text  # the stored English name is not shown
    assert "hora de España (Madrid)" in page.text
    assert f'href="{PAGE}"' in page.text


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Weekly hours", "Monday", "Epiphany", "Acme SL", "Spain (ES-MD)"]),
        ("es", ["Horario semanal", "Lunes", "Año Nuevo", "Acme SL", "España (ES-MD)"]),
        ("sv", ["Öppettider per vecka", "Måndag", "Nyårsdagen", "Acme SL", "Spanien (ES-MD)"]),
    ],
)
async def test_a_supervisor_sees_the_calendar_with_its_forms_in_three_languages(
    gateway, fakes, language, texts
):
    client = await visitor(gateway, fakes, "supervisor", language)
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    for text in texts:
        assert text in page.text, text
    assert actions_on(page.text) == FORMS
    assert (
        'name="d0r0_start" type="text" inputmode="numeric" size="5" maxlength="5" value="08:00"' in page.text
    )


async def test_the_weekly_hours_are_saved(supervisor, fakes):
    token = csrf_of((await supervisor.get(PAGE)).text)
    form = week_form(
        token, d0r0_end="13:00", d0r1_start="15:00", d0r1_end="18:00", d5r0_start="09:00", d5r0_end="12:00"
    )
    saved = await supervisor.post(f"{PAGE}/weekly-hours", data=form)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{PAGE}?notice=hours_saved#hours"
    [call] = fakes.of("cases", "PUT", "/api/cases/v1/calendars/ES-MD/weekly-hours")
    week = call.body["weekly_hours"]
    assert week[0] == {"ranges": [{"start": "08:00", "end": "13:00"}, {"start": "15:00", "end": "18:00"}]}
    assert week[5] == {"ranges": [{"start": "09:00", "end": "12:00"}]} and week[6] == {"ranges": []}
    page = (await supervisor.get(saved.headers["location"])).text
    assert "The weekly hours have been saved." in page
    # Monday now has two ranges and gets a third, empty slot.
    assert 'name="d0r2_start"' in page and 'name="d1r2_start"' not in page


async def test_impossible_hours_are_shown_at_the_range_in_spanish_with_what_was_typed(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor", "es")
    token = csrf_of((await client.get(PAGE)).text)
    refused = await client.post(
        f"{PAGE}/weekly-hours", data=week_form(token, d2r0_start="18:00", d2r0_end="09:00")
    )
    assert refused.status_code == 422
    assert 'id="f-hours-d2r0-error"' in refused.text
    assert "La hora de cierre debe ser posterior a la de apertura." in refused.text
    assert 'value="18:00"' in refused.text  # kept as typed
    overlapping = await client.post(
        f"{PAGE}/weekly-hours", data=week_form(token, d1r1_start="12:00", d1r1_end="14:00")
    )
    assert 'id="f-hours-d1r1-error"' in overlapping.text
    assert "Los horarios de un mismo día no pueden solaparse." in overlapping.text


async def test_a_half_filled_range_and_a_week_without_hours_are_refused(supervisor, fakes):
    token = csrf_of((await supervisor.get(PAGE)).text)
    half = await supervisor.post(f"{PAGE}/weekly-hours", data=week_form(token, d5r0_start="09:00"))
    assert half.status_code == 422 and 'id="f-hours-d5r0_end-error"' in half.text
    assert fakes.of("cases", "PUT") == []  # nothing to send until both ends are given
    closed = {f"d{w}r0_{edge}": "" for w in range(5) for edge in ("start", "end")}
    empty = await supervisor.post(f"{PAGE}/weekly-hours", data=week_form(token, **closed))
    assert empty.status_code == 422
    assert 'id="f-hours-weekly_hours-error"' in empty.text
    assert "Set opening hours for at least one day of the week." in empty.text


async def test_closed_days_are_added_and_removed_and_the_preview_moves_past_them(supervisor, fakes):
    # Friday 31 May 2030 at 16:00 in Madrid and 4 business hours: due Monday at 11:00.
    preview = {"start": "2030-05-31T16:00", "hours": "4"}
    page = await supervisor.get(PAGE, params=preview)
    assert page.status_code == 200, page.text
    assert re.search(
        r'id="preview-due" datetime="2030-06-03T09:00:00\+00:00">Monday, June 3, 2030, 11:00', page.text
    )
    token = csrf_of(page.text)
    added = await supervisor.post(
        f"{PAGE}/days",
        data={"kind": "closed", "day": "2030-06-03", "note": "Fiesta local", "csrf_token": token},
    )
    assert added.headers["location"] == f"{PAGE}?notice=day_added#closed-days"
    [call] = fakes.of("cases", "PUT", "/api/cases/v1/calendars/ES-MD/closed-days/2030-06-03")
    assert call.body == {"note": "Fiesta local"}
    page = await supervisor.get(PAGE, params=preview)
    assert "Fiesta local" in page.text and 'data-action="remove_day"' in page.text
    assert "Tuesday, June 4, 2030, 11:00" in page.text
    removed = await supervisor.post(f"{PAGE}/days/closed/2030-06-03/remove", data={"csrf_token": token})
    assert removed.headers["location"] == f"{PAGE}?notice=day_removed#closed-days"
    assert fakes.of("cases", "DELETE", "/api/cases/v1/calendars/ES-MD/closed-days/2030-06-03")
    assert "Monday, June 3, 2030, 11:00" in (await supervisor.get(PAGE, params=preview)).text


async def test_an_extra_open_day_and_the_refusals_of_a_day(supervisor, fakes):
    token = csrf_of((await supervisor.get(PAGE)).text)
    added = await supervisor.post(
        f"{PAGE}/days", data={"kind": "extra_open", "day": "2030-06-01", "csrf_token": token}
    )
    assert added.headers["location"] == f"{PAGE}?notice=day_added#extra-open-days"
    assert fakes.of("cases", "PUT", "/api/cases/v1/calendars/ES-MD/extra-open-days/2030-06-01")
    missing = await supervisor.post(f"{PAGE}/days", data={"kind": "closed", "day": "", "csrf_token": token})
    assert missing.status_code == 422 and 'id="f-day-closed-day-error"' in missing.text
    garbled = await supervisor.post(
        f"{PAGE}/days", data={"kind": "closed", "day": "31/05/2030", "csrf_token": token}
    )
    assert garbled.status_code == 422 and "Enter a valid date." in garbled.text
    too_far = await supervisor.post(
        f"{PAGE}/days", data={"kind": "closed", "day": "2150-01-01", "csrf_token": token}
    )
    assert too_far.status_code == 422 and 'id="f-day-closed-day-error"' in too_far.text
    assert "Choose a date between the years 2000 and 2100." in too_far.text
    assert 'value="2150-01-01"' in too_far.text


async def test_a_bad_preview_is_shown_at_its_field(gateway, fakes):
    client = await visitor(gateway, fakes, "agent", "sv")
    refused = await client.get(PAGE, params={"start": "2030-05-31T16:00", "hours": "0"})
    assert refused.status_code == 422
    assert 'id="f-preview-hours-error"' in refused.text and "Ange ett värde större än 0." in refused.text
    missing = await client.get(PAGE, params={"start": "2030-05-31T16:00", "hours": ""})
    assert 'id="f-preview-hours-error"' in missing.text


async def test_an_account_gets_another_calendar_and_its_own_back(supervisor, fakes):
    page = await supervisor.get(PAGE)
    assert '<option value="ES-MD" selected>' in page.text and 'data-action="clear_calendar"' not in page.text
    token = csrf_of(page.text)
    assigned = await supervisor.post(
        f"{PAGE}/accounts/acc-1", data={"calendar_id": "SE", "csrf_token": token}
    )
    assert assigned.headers["location"] == f"{PAGE}?notice=calendar_assigned#accounts"
    [call] = fakes.of("cases", "PUT", "/api/cases/v1/accounts/acc-1/calendar")
    assert call.body == {"calendar_id": "SE"}
    swedish = await supervisor.get(f"{LIST}/SE")
    assert "Acme SL" in swedish.text and 'data-action="clear_calendar"' in swedish.text
    assert "Acme SL" not in (await supervisor.get(PAGE)).text
    cleared = await supervisor.post(f"{LIST}/SE/accounts/acc-1/clear", data={"csrf_token": token})
    assert cleared.headers["location"] == f"{LIST}/SE?notice=assignment_cleared#accounts"
    assert fakes.of("cases", "DELETE", "/api/cases/v1/accounts/acc-1/calendar")
    assert "Acme SL" in (await supervisor.get(PAGE)).text


async def test_an_unknown_calendar_is_shown_at_the_accounts_choice(supervisor, fakes):
    token = csrf_of((await supervisor.get(PAGE)).text)
    refused = await supervisor.post(f"{PAGE}/accounts/acc-1", data={"calendar_id": "XX", "csrf_token": token})
    assert refused.status_code == 404
    assert 'id="f-account-acc-1-calendar_id-error"' in refused.text
    assert "There is no such business-hours calendar." in refused.text


async def test_a_year_of_holidays_is_chosen_and_an_impossible_one_shows_this_years(supervisor, fakes):
    page = await supervisor.get(PAGE, params={"year": "2031"})
    assert "Public holidays in 2031" in page.text and 'datetime="2031-01-01"' in page.text
    assert f'href="{PAGE}?year=2032#holidays"' in page.text
    far = await supervisor.get(PAGE, params={"year": "3000"})
    assert far.status_code == 200 and "Public holidays in 3000" not in far.text


async def test_the_accounts_of_a_calendar_page(supervisor, fakes):
    for number in range(2, 26):
        account = {**fakes.calendars.accounts["acc-1"], "id": f"acc-{number}", "name": f"Account {number}"}
        fakes.calendars.accounts[account["id"]] = account
    first = await supervisor.get(PAGE)
    assert "Page 1 of 2" in first.text and 'href="?page=2#accounts"' in first.text
    second = await supervisor.get(PAGE, params={"page": "2"})
    assert "Account 25" in second.text and "Acme SL" not in second.text
    assert (
        fakes.of("cases", "GET", "/api/cases/v1/calendars/ES-MD/accounts")[-1].query == "limit=20&offset=20"
    )
