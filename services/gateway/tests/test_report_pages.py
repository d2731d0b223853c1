"""F-12, F-42 in the portal: the supervisors' service-level report. Only supervisors find and open it; the page
asks the cases service with the visitor's period, department and time zone, shows each figure in the visitor's
language, the refusals next to the field at fault, and serves the CSV as a download through the session."""

import pytest

from services.gateway.tests.gateway_fakes import log_in

PAGE = "/supervisor/reports/service-level"
API = "/api/cases/v1/reports/service-level"
MARCH = {"from": "2026-03-02", "to": "2026-03-15"}


async def visitor(gateway, fakes, staff_role: str | None, language: str = "en"):
    fakes.staff_role, fakes.me["language"] = staff_role, language
    await log_in(gateway)
    return gateway


@pytest.mark.parametrize("staff_role", [None, "agent"])
async def test_only_supervisors_find_and_open_the_report(gateway, fakes, staff_role):
    client = await visitor(gateway, fakes, staff_role)
    assert f'href="{PAGE}"' not in (await client.get("/profile")).text
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.get(f"{PAGE}.csv", params=MARCH)).status_code == 403
    assert fakes.of("cases", "GET", API) == [] and fakes.of("cases", "GET", f"{API}.csv") == []


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                "Service level",
                "Technical support",
                "Week 10 of 2026",
                "1,234",
                "60% (3 of 5)",
                "2.5 h",
                "6 h",
            ],
        ),
        (
            "es",
            [
                "Nivel de servicio",
                "Soporte técnico",
                "Semana 10 de 2026",
                "1.234",
                "60\xa0% (3 de 5)",
                "2,5 h",
            ],
        ),
        (
            "sv",
            ["Servicenivå", "Teknisk support", "Vecka 10 2026", "1\xa0234", "60\xa0% (3 av 5)", "2,5 tim"],
        ),
    ],
)
async def test_the_figures_read_in_the_visitors_language(gateway, fakes, language, texts):
    client = await visitor(gateway, fakes, "supervisor", language)
    assert f'href="{PAGE}"' in (await client.get("/profile")).text
    page = await client.get(PAGE, params=MARCH)
    assert page.status_code == 200, page.text
    for text in texts:
        assert text in page.text, text
    # A week without any measured case shows a dash, not 0 %.
    assert page.text.count('<td class="numeric">—</td>') == 3
    [call] = fakes.of("cases", "GET", API)
    assert "time_zone=Europe%2FMadrid" in call.query and "from=2026-03-02" in call.query


async def test_without_dates_the_report_covers_the_last_eight_weeks(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor")
    page = await client.get(PAGE)
    assert page.status_code == 200
    [call] = fakes.of("cases", "GET", API)
    assert "from=" in call.query and "to=" in call.query and "department" not in call.query


async def test_one_department_and_its_download_link(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor")
    page = await client.get(PAGE, params={**MARCH, "department": "accounts"})
    assert "Accounts department" in page.text and "Technical support</td>" not in page.text
    assert '<option value="accounts" selected>' in page.text
    assert (
        f'href="{PAGE}.csv?from=2026-03-02&amp;to=2026-03-15&amp;department=accounts" download' in page.text
    )


async def test_a_refused_period_is_shown_at_its_field_in_swedish(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor", "sv")
    refused = await client.get(PAGE, params={"from": "2026-03-15", "to": "2026-03-02"})
    assert refused.status_code == 422
    assert (
        'id="f-to-error"' in refused.text
        and "Den sista dagen får inte komma före den första." in refused.text
    )
    assert 'value="2026-03-15"' in refused.text  # kept as typed
    assert 'data-action="download_csv"' not in refused.text and "<table" not in refused.text
    bad = await client.get(PAGE, params={"from": "15/03/2026", "to": "2026-03-20"})
    assert 'id="f-from-error"' in bad.text and "Ange ett giltigt datum." in bad.text


async def test_the_csv_is_downloaded_through_the_session(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor")
    download = await client.get(f"{PAGE}.csv", params=MARCH)
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"] == (
        'attachment; filename="service-level-2026-03-02-2026-03-15.csv"'
    )
    lines = download.text.splitlines()
    assert lines[0].startswith("department,week,week_start,opened,")
    assert lines[1].startswith("technical_support,2026-W10,2026-03-02,1234,5,3,0.6,2,4,2.5,6.0")
    [call] = fakes.of("cases", "GET", f"{API}.csv")
    assert call.headers["authorization"].startswith("Bearer ")


async def test_a_refused_download_shows_the_page_with_the_reason(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor")
    refused = await client.get(f"{PAGE}.csv", params={"from": "2026-03-15", "to": "2026-03-02"})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert "The last day may not come before the first." in refused.text
