"""F-15 in the portal: the public survey page of a resolved case's email link, without logging in, in the link's
language; opening it only asks the question (the clicked rating chosen) and saves nothing, sending it saves the
answer once, a second answer, a forged or an expired link are told politely in the visitor's language. Agents see
the verdicts on the case; supervisors read the results by department, device model, agent and week, and download
them as CSV."""

import pytest

from services.gateway.tests.gateway_fakes import csrf_of, log_in
from services.gateway.tests.survey_fakes import EXPIRED, GOOD

API = "/api/cases/v1/surveys"
RESULTS = "/supervisor/reports/surveys"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def send(gateway, token: str, data: dict, lang: str = "es"):
    page = await gateway.get(f"/surveys/{token}", params={"lang": lang})
    query = f"?lang={lang}" if lang else ""
    return await gateway.post(f"/surveys/{token}{query}", data={**data, "csrf_token": csrf_of(page.text)})


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("es", ["Su opinión sobre el caso CS-2026-000123", "4 – Satisfecho", "Enviar mi respuesta"]),
        ("sv", ["Ditt omdöme om ärende CS-2026-000123", "4 – Nöjd", "Skicka mitt svar"]),
        ("en", ["Your verdict on case CS-2026-000123", "4 – Satisfied", "Send my answer"]),
    ],
)
async def test_the_link_shows_the_question_with_its_rating_chosen_and_saves_nothing(
    gateway, fakes, lang, texts
):
    page = await gateway.get(f"/surveys/{GOOD}", params={"rating": "4", "lang": lang})
    assert page.status_code == 200, page.text
    for text in texts:
        assert text in page.text, text
    assert 'id="f-rating-4" name="rating" value="4" checked' in page.text
    assert page.text.count("checked") == 1
    assert f'action="/surveys/{GOOD}?lang={lang}"' in page.text
    [call] = [c for c in fakes.calls if c.service == "cases"]
    assert (call.method, call.path) == ("GET", f"{API}/{GOOD}")
    assert "authorization" not in call.headers  # nobody is logged in, and no session is asked for
    assert fakes.surveys.answers == []


async def test_without_a_language_in_the_link_the_browsers_is_used(gateway):
    page = await gateway.get(f"/surveys/{GOOD}", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert "Ditt omdöme om ärende" in page.text
    assert "checked" not in page.text  # no rating in the link: none chosen


async def test_an_answer_is_sent_once_and_the_second_is_refused_politely(gateway, fakes):
    saved = await send(gateway, GOOD, {"rating": "5", "comment": "  Muy rápidos  "})
    assert saved.status_code == 200, saved.text
    assert "Gracias por su respuesta" in saved.text
    assert "Se ha guardado su valoración del caso CS-2026-000123." in saved.text
    assert fakes.surveys.answers == [{"rating": 5, "comment": "Muy rápidos"}]
    [post] = fakes.of("cases", "POST", f"{API}/{GOOD}/answer")
    assert "authorization" not in post.headers

    for lang, text in (
        (
            "es",
            "Ya ha respondido a la encuesta sobre el caso CS-2026-000123. Gracias, ya tenemos su respuesta.",
        ),
        ("sv", "Du har redan besvarat enkäten om ärende CS-2026-000123. Tack, vi har fått ditt svar."),
    ):
        # The page says so at once; a form sent from a page opened before says so too.
        opened = await gateway.get(f"/surveys/{GOOD}", params={"lang": lang})
        assert text in opened.text and "<form" not in opened.text.split("<main", 1)[-1]
        fakes.surveys.answered[GOOD] = False
        page = await gateway.get(f"/surveys/{GOOD}", params={"lang": lang})
        fakes.surveys.answered[GOOD] = True
        again = await gateway.post(
            f"/surveys/{GOOD}?lang={lang}", data={"rating": "1", "csrf_token": csrf_of(page.text)}
        )
        assert again.status_code == 409 and text in again.text
    assert len(fakes.surveys.answers) == 1


@pytest.mark.parametrize(
    ("token", "lang", "status", "text"),
    [
        ("s1.forged", "es", 404, "Este enlace de encuesta no es válido."),
        ("s1.forged", "sv", 404, "Den här enkätlänken är inte giltig."),
        (EXPIRED, "es", 410, "Este enlace de encuesta caducó el 1 abr 2026"),
        (EXPIRED, "sv", 410, "Den här enkätlänken gick ut den 1 apr. 2026"),
    ],
)
async def test_a_forged_or_expired_link_says_so(gateway, fakes, token, lang, status, text):
    page = await gateway.get(f"/surveys/{token}", params={"rating": "3", "lang": lang})
    assert page.status_code == status and text in page.text, page.text
    assert "<form" not in page.text.split("<main", 1)[-1]


async def test_a_form_without_a_rating_is_refused_at_the_field_and_keeps_the_comment(gateway, fakes):
    refused = await send(gateway, GOOD, {"comment": "Sin nota"})
    assert refused.status_code == 422
    assert 'id="f-rating-error"' in refused.text and "Este campo es obligatorio." in refused.text
    assert ">Sin nota</textarea>" in refused.text
    made_up = await send(gateway, GOOD, {"rating": "7"})
    assert made_up.status_code == 422 and "Elija una de las opciones ofrecidas." in made_up.text
    assert fakes.of("cases", "POST") == []


async def test_a_comment_too_long_is_refused_at_its_field(gateway, fakes):
    refused = await send(gateway, GOOD, {"rating": "2", "comment": "x" * 2001}, lang="sv")
    assert refused.status_code == 422
    assert 'id="f-comment-error"' in refused.text and "Ange högst 2\xa0000 tecken." in refused.text
    assert 'value="2" checked' in refused.text and fakes.surveys.answers == []


async def test_a_form_without_its_csrf_token_is_refused(gateway, fakes):
    await gateway.get(f"/surveys/{GOOD}")
    refused = await gateway.post(f"/surveys/{GOOD}", data={"rating": "5"})
    assert refused.status_code == 403 and fakes.surveys.answers == []


# The staff's side ------------------------------------------------------------------------------------------


async def test_the_agent_sees_the_verdicts_on_the_case(gateway, fakes):
    fakes.staff_role = "agent"
    fakes.cases["case-1"]["survey_answers"] = [
        {
            "user_id": "user-1",
            "user_name": "Ana García",
            "rating": 2,
            "comment": "Tardaron <mucho>",
            "answered_at": "2026-03-03T10:00:00Z",
        }
    ]
    await log_in(gateway)
    page = await gateway.get("/agent/cases/case-1")
    assert page.status_code == 200
    assert "Customer&#39;s verdict" in page.text and "Rating 2 of 5" in page.text
    assert "Tardaron &lt;mucho&gt;" in page.text and "Ana García" in page.text


async def visitor(gateway, fakes, staff_role: str | None, language: str = "en"):
    fakes.staff_role, fakes.me["language"] = staff_role, language
    await log_in(gateway)
    return gateway


@pytest.mark.parametrize("staff_role", [None, "agent"])
async def test_only_supervisors_find_and_open_the_results(gateway, fakes, staff_role):
    client = await visitor(gateway, fakes, staff_role)
    assert f'href="{RESULTS}"' not in (await client.get("/profile")).text
    assert (await client.get(RESULTS)).status_code == 403
    assert (await client.get(f"{RESULTS}.csv", params=MARCH)).status_code == 403
    assert fakes.of("cases", "GET", "/api/cases/v1/reports/surveys") == []


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                "Survey results",
                "Technical support",
                "5 answers, mean rating 3.4.",
                "(50 %)",
                "Tardaron &lt;mucho&gt;",
            ],
        ),
        (
            "es",
            [
                "Resultados de las encuestas",
                "Soporte técnico",
                "5 respuestas, valoración media 3,4.",
                "Comentarios",
            ],
        ),
        ("sv", ["Enkätresultat", "Teknisk support", "5 svar, medelbetyg 3,4.", "Kommentarer"]),
    ],
)
async def test_the_results_read_in_the_visitors_language(gateway, fakes, language, texts):
    client = await visitor(gateway, fakes, "supervisor", language)
    assert f'href="{RESULTS}"' in (await client.get("/profile")).text
    page = await client.get(RESULTS, params=MARCH)
    assert page.status_code == 200, page.text
    for text in texts:
        assert text in page.text, text
    [call] = fakes.of("cases", "GET", "/api/cases/v1/reports/surveys")
    assert "by=department" in call.query and "time_zone=Europe%2FMadrid" in call.query


async def test_results_by_agent_name_the_agent_and_nobody(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor")
    page = await client.get(RESULTS, params={**MARCH, "by": "staff"})
    assert '<th scope="row">Sven</th>' in page.text and '<th scope="row">Nobody</th>' in page.text
    assert '<option value="staff" selected>' in page.text
    assert f'href="{RESULTS}.csv?from=2026-03-01&amp;to=2026-03-31&amp;by=staff" download' in page.text
    week = await client.get(RESULTS, params={**MARCH, "by": "week"})
    assert "Week 10 of 2026" in week.text


async def test_the_results_download_as_csv_through_the_session(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor")
    download = await client.get(f"{RESULTS}.csv", params=MARCH)
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        'attachment; filename="surveys-by-department-2026-03-01-2026-03-31.csv"'
    )
    lines = download.text.splitlines()
    assert (
        lines[0]
        == "group,group_name,answers,mean_rating,rating_1,rating_2,rating_3,rating_4,rating_5,comments"
    )
    assert lines[1].startswith("technical_support,technical_support,4,3.5,1,0,0,2,1,")


async def test_a_refused_period_is_shown_at_its_field(gateway, fakes):
    client = await visitor(gateway, fakes, "supervisor", "sv")
    refused = await client.get(RESULTS, params={"from": "2026-03-15", "to": "2026-03-02"})
    assert refused.status_code == 422 and 'id="f-to-error"' in refused.text
    assert "<table" not in refused.text
