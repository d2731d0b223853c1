"""F-16, F-42 in the portal: the guides a visitor may read, found by device and problem, code or words; a guide
followed step by step to "solved" or to the case form with the steps tried; the suggestions beside the case form;
the Knowledge User's home; the supervisors' pages that edit a guide's texts per language and publish it."""

import re

from services.gateway.tests.gateway_fakes import CASE_ID, DEVICE_ID, csrf_of, log_in, submit


async def visitor(
    gateway, fakes, role: str = "device_manager", language: str = "en", staff_role: str | None = None
):
    fakes.role, fakes.staff_role, fakes.me["language"] = role, staff_role, language
    await log_in(gateway)
    return gateway


async def test_the_guides_page_lists_the_guides_in_the_visitors_language(gateway, fakes):
    client = await visitor(gateway, fakes, language="es")
    html = (await client.get("/help/guides")).text
    assert "Guías de autoayuda" in html and "Atasco de papel" in html
    assert (
        'data-guide="unusual-noise"' in html and "Solo en inglés" in html
    )  # no Spanish text: English, said so


async def test_a_serial_in_the_address_finds_the_device_and_its_guides(gateway, fakes):
    client = await visitor(gateway, fakes)
    html = (await client.get("/help/guides?device=sn-4711&category=paper_jam")).text
    [call] = fakes.of("cases", "GET", "/api/cases/v1/guides")
    assert "device_id=dev-1" in call.query and "category=paper_jam" in call.query
    assert "SN-4711" in html and 'data-guide="paper-jam"' in html and 'data-guide="unusual-noise"' not in html
    assert f'href="/cases/new?category=paper_jam&amp;device_id={DEVICE_ID}"' in html
    started = await client.post(
        "/help/runs", data={"csrf_token": csrf_of(html), "guide_id": "guide-1", "device_id": DEVICE_ID}
    )
    assert started.status_code == 303 and started.headers["location"].startswith("/help/runs/")
    assert (
        'action="/help/runs"' not in (await client.get("/help/guides")).text
    )  # no device chosen: read first


async def test_a_bad_code_is_refused_at_its_field_and_a_service_call_code_leads_to_a_case(gateway, fakes):
    client = await visitor(gateway, fakes, language="sv")
    refused = await client.get("/help/guides?error_code=jammed")
    assert refused.status_code == 422
    assert re.search(r'id="f-error_code-error">.*Ange koden som enheten visar den', refused.text, re.DOTALL)
    service_call = (await client.get(f"/help/guides?error_code=E602-0001&device_id={DEVICE_ID}")).text
    assert 'data-notice="service-call"' in service_call and "Öppna ett ärende för en tekniker" in service_call
    assert (
        f'href="/cases/new?device_id={DEVICE_ID}&amp;error_code=E602-0001&amp;category=error_code"'
        in service_call
    )
    form = (
        await client.get(f"/cases/new?device_id={DEVICE_ID}&error_code=E602-0001&category=error_code")
    ).text
    assert 'value="E602-0001"' in form and re.search(r'<option value="error_code"\s+selected', form)


async def test_a_guide_followed_to_solved_creates_nothing(gateway, fakes):
    client = await visitor(gateway, fakes, language="es")
    started = await submit(
        client, "/help/guides/guide-1", "/help/runs", {"guide_id": "guide-1", "device_id": DEVICE_ID}
    )
    assert started.status_code == 303
    run_page = started.headers["location"]
    step = await client.get(run_page)
    assert "Abra la bandeja." in step.text and "Paso 1" in step.text
    assert 'class="step-image"' not in step.text
    answered = await client.post(
        f"{run_page}/answer", data={"csrf_token": csrf_of(step.text), "step": "s1", "answer": "solved"}
    )
    assert answered.headers["location"] == run_page
    done = (await client.get(run_page)).text
    assert 'data-outcome="solved"' in done and "No se ha abierto ningún caso" in done
    assert fakes.of("cases", "POST", "/api/cases/v1/cases") == []


async def test_not_solved_to_the_end_opens_the_case_form_with_the_steps_tried(gateway, fakes):
    client = await visitor(gateway, fakes)
    started = await submit(
        client, "/help/guides/guide-1", "/help/runs", {"guide_id": "guide-1", "device_id": DEVICE_ID}
    )
    run_page = started.headers["location"]
    for step in ("s1", "s2"):
        shown = await client.get(run_page)
        answered = await client.post(
            f"{run_page}/answer",
            data={"csrf_token": csrf_of(shown.text), "step": step, "answer": "not_solved"},
        )
    run_id = run_page.rsplit("/", 1)[1]
    assert answered.headers["location"] == f"/cases/new?guide_run={run_id}"
    form = (await client.get(answered.headers["location"])).text
    assert (
        'data-section="steps-tried"' in form and "Open the drawer." in form and "Open the side cover." in form
    )
    assert f'name="guide_run_id" value="{run_id}"' in form
    assert re.search(r'<option value="paper_jam"\s+selected', form)
    created = await client.post(
        "/cases/new",
        data={
            "csrf_token": csrf_of(form),
            "guide_run_id": run_id,
            "device_id": DEVICE_ID,
            "category": "paper_jam",
            "subject": "Paper jam",
            "description": "Still jams.",
        },
    )
    assert created.status_code == 303
    [call] = fakes.of("cases", "POST", "/api/cases/v1/cases")
    assert call.body["guide_run_id"] == run_id


async def test_a_stale_answer_is_refused_in_the_visitors_language(gateway, fakes):
    client = await visitor(gateway, fakes, language="sv")
    started = await submit(client, "/help/guides/guide-1", "/help/runs", {"guide_id": "guide-1"})
    run_page = started.headers["location"]
    shown = await client.get(run_page)
    stale = await client.post(
        f"{run_page}/answer", data={"csrf_token": csrf_of(shown.text), "step": "s2", "answer": "solved"}
    )
    assert stale.status_code == 409 and "Det här steget är redan besvarat" in stale.text


async def test_the_case_page_shows_the_steps_tried_and_the_technician_flag(logged_in, fakes):
    fakes.cases[CASE_ID].update(
        needs_technician=True,
        self_help={
            "run_id": "run-1",
            "guide_id": "guide-1",
            "guide_key": "paper-jam",
            "version": 2,
            "title": {"en": "Paper jam", "es": "Atasco de papel"},
            "steps": [
                {
                    "step": "s1",
                    "answer": "not_solved",
                    "text": {"en": "Open the drawer.", "es": "Abra la bandeja."},
                }
            ],
        },
    )
    html = (await logged_in.get(f"/cases/{CASE_ID}")).text
    assert 'data-notice="needs-technician"' in html
    assert (
        "Steps tried before the case" in html
        and "Guide “Paper jam”, version 2" in html
        and "Open the drawer." in html
    )


async def test_suggestions_answer_the_case_forms_script_with_titles_and_addresses(gateway, fakes):
    client = await visitor(gateway, fakes, language="es")
    answer = await client.get(
        "/help/suggest", params={"q": "se atasca el papel, atasco", "device_id": DEVICE_ID}
    )
    assert answer.status_code == 200
    assert answer.json()["items"] == [
        {"title": "Atasco de papel", "url": f"/help/guides/guide-1?device_id={DEVICE_ID}"}
    ]
    assert (await client.get("/help/suggest", params={"q": "a"})).json() == {"items": []}
    form = (await client.get("/cases/new")).text
    assert 'src="/static/guides.js"' in form and 'data-guide-suggestions="/help/suggest"' in form
    script = await client.get("/static/guides.js")
    assert script.status_code == 200 and "fetch(" in script.text


async def test_the_knowledge_user_starts_at_the_guides_and_sees_nothing_else(gateway, fakes):
    client = await visitor(gateway, fakes, role="knowledge_user")
    home = await client.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/help/guides")
    html = (await client.get("/help/guides")).text
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.DOTALL).group(0)
    assert re.findall(r'href="([^"]+)"', nav) == ["/help/guides", "/profile"]
    manager = await visitor(gateway, fakes)
    assert 'href="/cases"' in (await manager.get("/help/guides")).text


async def test_a_supervisor_edits_the_swedish_texts_and_publishes(gateway, fakes):
    client = await visitor(gateway, fakes, role="knowledge_user", staff_role="supervisor")
    listing = (await client.get("/supervisor/guides")).text
    assert 'data-guide="paper-jam"' in listing and 'href="/supervisor/guides"' in listing
    form = await client.get("/supervisor/guides/guide-1/edit?language=sv")
    assert "Texts in Svenska" in form.text and 'value="Pappersstopp"' in form.text
    saved = await client.post(
        "/supervisor/guides/guide-1/edit",
        data={
            "csrf_token": csrf_of(form.text),
            "language": "sv",
            "title": "Papper har fastnat",
            "keywords": "",
            "step_s1": "Öppna pappersfacket.",
            "step_s2": "",
        },
    )
    assert saved.headers["location"] == "/supervisor/guides/guide-1?notice=saved"
    [put] = fakes.of("cases", "PUT", "/api/cases/v1/managed-guides/guide-1/draft")
    definition = put.body["definition"]
    assert definition["title"] == {"en": "Paper jam", "es": "Atasco de papel", "sv": "Papper har fastnat"}
    assert (
        definition["steps"][0]["text"]["sv"] == "Öppna pappersfacket."
        and "sv" not in definition["steps"][1]["text"]
    )
    page = await client.get(saved.headers["location"])
    assert "Unpublished changes" in page.text and 'data-action="publish"' in page.text
    published = await client.post(
        "/supervisor/guides/guide-1/publish", data={"csrf_token": csrf_of(page.text)}
    )
    assert published.headers["location"] == "/supervisor/guides/guide-1?notice=published"
    assert "Published, version 2" in (await client.get(published.headers["location"])).text
    again = await client.post("/supervisor/guides/guide-1/publish", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 409 and "The draft has no changes" in again.text


async def test_a_refused_text_is_shown_at_its_field_and_agents_get_no_guide_pages(gateway, fakes):
    client = await visitor(gateway, fakes, role="knowledge_user", staff_role="supervisor")
    form = await client.get("/supervisor/guides/guide-1/edit?language=en")
    refused = await client.post(
        "/supervisor/guides/guide-1/edit",
        data={
            "csrf_token": csrf_of(form.text),
            "language": "en",
            "title": "",
            "step_s1": "x" * 2001,
            "step_s2": "b",
        },
    )
    assert refused.status_code == 422 and 'id="f-step_s1-error"' in refused.text
    agent = await visitor(gateway, fakes, role="knowledge_user", staff_role="agent")
    assert (await agent.get("/supervisor/guides")).status_code == 403
    assert 'href="/supervisor/guides"' not in (await agent.get("/help/guides")).text


async def test_a_supervisor_writes_a_new_guide_in_english_as_a_draft(gateway, fakes):
    client = await visitor(gateway, fakes, role="knowledge_user", staff_role="supervisor")
    created = await submit(
        client,
        "/supervisor/guides/new",
        "/supervisor/guides/new",
        {
            "key": "fuser-smell",
            "category": "noise_damage",
            "models": "imageRUNNER ADVANCE DX, i-SENSYS X",
            "error_codes": "",
            "title": "A smell of burning",
            "steps": "Switch the device off.\n\nCheck the vents are free.",
        },
    )
    assert created.status_code == 303 and created.headers["location"].endswith("?notice=created")
    [call] = fakes.of("cases", "POST", "/api/cases/v1/managed-guides")
    definition = call.body["definition"]
    assert definition["models"] == ["imageRUNNER ADVANCE DX", "i-SENSYS X"]
    assert [(s["key"], s["text"], s["not_solved"]) for s in definition["steps"]] == [
        ("s1", {"en": "Switch the device off."}, "s2"),
        ("s2", {"en": "Check the vents are free."}, "case"),
    ]
    page = (await client.get(created.headers["location"])).text
    assert "Draft" in page and 'data-action="publish"' in page
    taken = await submit(
        client,
        "/supervisor/guides/new",
        "/supervisor/guides/new",
        {"key": "paper-jam", "category": "paper_jam", "title": "Again", "steps": "One"},
    )
    assert taken.status_code == 409 and 'id="f-key-error"' in taken.text and 'value="Again"' in taken.text


async def test_a_steps_picture_is_shown_and_served_by_the_portal(gateway, fakes):
    client = await visitor(gateway, fakes)
    fakes.guides.guides["guide-1"]["versions"][-1]["steps"][1]["image"] = "paper-jam-right-cover.svg"
    html = (await client.get("/help/guides/guide-1")).text
    assert '<img class="step-image" src="/static/guides/paper-jam-right-cover.svg" alt="">' in html
    picture = await client.get("/static/guides/paper-jam-right-cover.svg")
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")
