"""Guided self-help (F-16, F-42): supervisors write guides as drafts and publish versions; customers read the
published guides of their accounts' models in their language, run them step by step, and a "not solved" opens
a case that keeps the steps tried; deflection counts only a "solved" with no case for the same device and
category within 72 hours; a run left unfinished is abandoned at its step; each end is published."""

from datetime import timedelta

import pytest

from cases.selfhelp.content import parse_error_code
from cases.selfhelp.jobs import abandon_runs
from services.cases.tests.conftest import PEOPLE
from shared.events.vocabulary import ErrorCodeFamily

API = "/api/cases/v1"
MANAGED = f"{API}/managed-guides"


def definition(**changes) -> dict:
    body = {
        "category": "paper_jam",
        "models": ["imageRUNNER"],
        "error_codes": ["J1104"],
        "title": {"en": "Paper jam", "es": "Atasco de papel"},
        "keywords": {"es": "hoja atascada"},
        "steps": [
            {"key": "s1", "text": {"en": "Open the drawer.", "es": "Abra la bandeja."}, "not_solved": "s2"},
            {
                "key": "s2",
                "text": {"en": "Open the side cover.", "es": "Abra la tapa lateral."},
                "image": "side-cover.svg",
            },
        ],
    }
    return {**body, **changes}


async def create_guide(portal, key: str = "paper-jam", publish: bool = True, **changes) -> dict:
    created = await portal.client.post(
        MANAGED, json={"key": key, "definition": definition(**changes)}, headers=portal.auth("boss")
    )
    assert created.status_code == 201, created.text
    guide = created.json()
    if publish:
        published = await portal.client.post(f"{MANAGED}/{guide['id']}/publish", headers=portal.auth("boss"))
        assert published.status_code == 200, published.text
        guide = published.json()
    return guide


def in_language(portal, user_id: str, language: str) -> dict[str, str]:
    _, account, role = PEOPLE[user_id]
    return {
        "Authorization": f"Bearer {portal.token_for(user_id, memberships={account: role}, language=language)}"
    }


async def start(portal, user_id: str, guide_id: str, device_id: str | None = "d1", headers=None):
    body = {"guide_id": guide_id} | ({"device_id": device_id} if device_id else {})
    return await portal.client.post(f"{API}/guide-runs", json=body, headers=headers or portal.auth(user_id))


async def answer(portal, user_id: str, run_id: str, step: str, reply: str):
    return await portal.client.post(
        f"{API}/guide-runs/{run_id}/answers",
        json={"step": step, "answer": reply},
        headers=portal.auth(user_id),
    )


async def stats(portal, guide_id: str) -> dict:
    response = await portal.client.get(f"{MANAGED}/{guide_id}", headers=portal.auth("boss"))
    assert response.status_code == 200, response.text
    return response.json()["stats"]


def test_error_codes_are_matched_by_family_and_number_never_by_text():
    assert parse_error_code("J1104") == parse_error_code(" j-01104 ") == parse_error_code("J 1104")
    assert parse_error_code("J1104").canonical == "J1104"
    assert parse_error_code("E602-0001").family == ErrorCodeFamily.SERVICE_CALL
    assert parse_error_code("C0019").family == ErrorCodeFamily.CONSUMABLE
    assert parse_error_code("J1104") != parse_error_code("C1104")
    for text in ("Paper jam", "1104", "X1104", "", None):
        assert parse_error_code(text) is None


async def test_customers_read_published_guides_of_their_models_in_their_language(portal):
    guide = await create_guide(portal)
    await create_guide(portal, key="draft-only", publish=False)
    await create_guide(portal, key="other-model", models=["i-SENSYS"])
    spanish = in_language(portal, "manager", "es")
    listed = await portal.client.get(f"{API}/guides", headers=spanish)
    assert listed.status_code == 200, listed.text
    assert [(g["key"], g["title"], g["fallback"]) for g in listed.json()["items"]] == [
        ("paper-jam", "Atasco de papel", False)
    ]
    found = await portal.client.get(f"{API}/guides", params={"q": "atasco"}, headers=spanish)
    assert [g["key"] for g in found.json()["items"]] == ["paper-jam"]
    assert (await portal.client.get(f"{API}/guides", params={"q": "hoja atascada"}, headers=spanish)).json()[
        "items"
    ]
    swedish = in_language(portal, "manager", "sv")
    read = (await portal.client.get(f"{API}/guides/{guide['id']}", headers=swedish)).json()
    assert (read["title"], read["language"], read["fallback"]) == ("Paper jam", "en", True)
    assert [s["text"] for s in read["steps"]] == ["Open the drawer.", "Open the side cover."]
    assert [s["image"] for s in read["steps"]] == [None, "side-cover.svg"]
    # A draft is no guide to customers; the knowledge user reads the account's guides; the staff all of them.
    drafts = (await portal.client.get(MANAGED, headers=portal.auth("boss"))).json()["items"]
    draft_id = next(g["id"] for g in drafts if g["key"] == "draft-only")
    assert (
        await portal.client.get(f"{API}/guides/{draft_id}", headers=portal.auth("manager"))
    ).status_code == 404
    assert (
        len((await portal.client.get(f"{API}/guides", headers=portal.auth("knowledge"))).json()["items"]) == 1
    )
    assert len((await portal.client.get(f"{API}/guides", headers=portal.auth("agent"))).json()["items"]) == 2


async def test_a_guide_is_found_by_device_category_and_code_and_a_service_call_code_skips_self_help(portal):
    await create_guide(portal)
    by_device = await portal.client.get(
        f"{API}/guides", params={"device_id": "d1", "category": "paper_jam"}, headers=portal.auth("manager")
    )
    assert [g["key"] for g in by_device.json()["items"]] == ["paper-jam"]
    by_code = (
        await portal.client.get(
            f"{API}/guides", params={"error_code": "j-1104"}, headers=portal.auth("manager")
        )
    ).json()
    assert ([g["key"] for g in by_code["items"]], by_code["service_call"]) == (["paper-jam"], False)
    service_call = (
        await portal.client.get(
            f"{API}/guides", params={"error_code": "E602-0001"}, headers=portal.auth("manager")
        )
    ).json()
    assert service_call["service_call"] is True and service_call["error_code"]["code"] == "E0602"
    refused = await portal.client.get(
        f"{API}/guides", params={"error_code": "jammed"}, headers=portal.auth("manager")
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "error_code"
    bad_category = await portal.client.get(
        f"{API}/guides", params={"category": "x"}, headers=portal.auth("manager")
    )
    assert bad_category.status_code == 422
    # A device the caller may not see answers like a missing one.
    assert (
        await portal.client.get(f"{API}/guides", params={"device_id": "d3"}, headers=portal.auth("manager"))
    ).status_code == 404


async def test_solved_creates_nothing_records_the_run_and_publishes_it(portal):
    guide = await create_guide(portal)
    started = await start(portal, "manager", guide["id"])
    assert started.status_code == 201, started.text
    run = started.json()
    assert (run["status"], run["current_step"]["key"], run["version"]) == ("open", "s1", 1)
    run = (await answer(portal, "manager", run["id"], "s1", "not_solved")).json()
    assert run["current_step"]["key"] == "s2"
    run = (await answer(portal, "manager", run["id"], "s2", "solved")).json()
    assert run["status"] == "solved" and [s["answer"] for s in run["steps_tried"]] == ["not_solved", "solved"]
    assert (await portal.cases("manager")).json()["total"] == 0
    [event] = await portal.published("cases.selfhelp.run_finished")
    assert (event.data["outcome"], event.data["device_id"], event.data["version"]) == ("solved", "d1", 1)
    again = await answer(portal, "manager", run["id"], "s2", "solved")
    assert again.status_code == 409 and again.json()["code"] == "guide_run_finished"
    assert (await stats(portal, guide["id"]))["solved"] == 1


async def test_not_solved_opens_a_case_with_the_steps_tried_that_the_agent_reads(portal):
    guide = await create_guide(portal)
    run = (await start(portal, "manager", guide["id"])).json()
    wrong_step = await answer(portal, "manager", run["id"], "s2", "solved")
    assert wrong_step.status_code == 409 and wrong_step.json()["code"] == "not_current_step"
    await answer(portal, "manager", run["id"], "s1", "not_solved")
    run = (await answer(portal, "manager", run["id"], "s2", "not_solved")).json()
    assert run["status"] == "needs_case"
    # Someone else's run, or one for another device, is refused naming the field; nothing is created.
    other = await portal.create("manager2", "d2", guide_run_id=run["id"])
    assert other.status_code == 422 and other.json()["errors"][0]["code"] == "unknown_guide_run"
    elsewhere = await portal.create("admin", "d2", guide_run_id=run["id"])
    assert elsewhere.status_code == 422
    case = await portal.new_case("manager", "d1", guide_run_id=run["id"], error_code="J1104")
    assert case["self_help"]["version"] == 1 and case["needs_technician"] is False
    assert [s["step"] for s in case["self_help"]["steps"]] == ["s1", "s2"]
    seen = (await portal.get("agent", case["id"])).json()
    assert seen["self_help"]["steps"][0]["text"]["es"] == "Abra la bandeja."
    run = (await portal.client.get(f"{API}/guide-runs/{run['id']}", headers=portal.auth("manager"))).json()
    assert (run["status"], run["case_id"]) == ("escalated", case["id"])
    [created] = await portal.published("cases.case.created")
    assert created.data["guide_run_id"] == run["id"]
    [finished] = await portal.published("cases.selfhelp.run_finished")
    assert (finished.data["outcome"], finished.data["case_id"]) == ("escalated", case["id"])
    again = await portal.create("manager", "d1", guide_run_id=run["id"])
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "guide_run_finished"
    assert (await stats(portal, guide["id"]))["escalated"] == 1


async def test_a_service_call_code_flags_the_case_for_a_technician(portal):
    case = await portal.new_case("manager", "d1", category="error_code", error_code="E602-0001")
    assert case["needs_technician"] is True
    assert (await portal.new_case("manager", "d1", error_code="J1104"))["needs_technician"] is False


async def test_a_case_within_72_hours_of_solved_escalates_the_run_and_later_ones_do_not(portal, clock):
    guide = await create_guide(portal)
    first = (await start(portal, "manager", guide["id"])).json()
    await answer(portal, "manager", first["id"], "s1", "solved")
    clock.advance(timedelta(hours=71))
    await portal.new_case("manager", "d1", category="print_quality")  # another category: no effect
    assert (await stats(portal, guide["id"]))["awaiting_deflection"] == 1
    case = await portal.new_case("manager", "d1", category="paper_jam")
    assert (await stats(portal, guide["id"]))["escalated"] == 1
    first = (
        await portal.client.get(f"{API}/guide-runs/{first['id']}", headers=portal.auth("manager"))
    ).json()
    assert (first["status"], first["case_id"]) == ("escalated", case["id"])
    events = await portal.published("cases.selfhelp.run_finished", 2)
    assert [(e.data["outcome"], e.data.get("previous_outcome")) for e in events] == [
        ("solved", None),
        ("escalated", "solved"),
    ]
    second = (await start(portal, "manager", guide["id"])).json()
    await answer(portal, "manager", second["id"], "s1", "solved")
    clock.advance(timedelta(hours=73))
    await portal.new_case("manager", "d1", category="paper_jam")
    counted = await stats(portal, guide["id"])
    assert (counted["solved"], counted["deflected"], counted["escalated"]) == (2, 1, 1)


async def test_an_unfinished_run_is_abandoned_at_its_step(portal, clock):
    guide = await create_guide(portal)
    run = (await start(portal, "manager", guide["id"])).json()
    await answer(portal, "manager", run["id"], "s1", "not_solved")
    waiting = (await start(portal, "dsm", guide["id"])).json()
    await answer(portal, "dsm", waiting["id"], "s1", "not_solved")
    await answer(portal, "dsm", waiting["id"], "s2", "not_solved")  # at the case form, never sent
    fresh = (await start(portal, "admin", guide["id"])).json()
    clock.advance(timedelta(minutes=61))
    fresh = await answer(portal, "admin", fresh["id"], "s1", "not_solved")  # still being answered
    assert await abandon_runs(portal.app.state.db, portal.app.state.outbox, timedelta(minutes=60)) == 2
    counted = await stats(portal, guide["id"])
    assert counted["abandoned"] == 2 and counted["open_runs"] == 1
    assert {(r["step"], r["abandoned"]) for r in counted["abandoned_by_step"]} == {("s2", 1), ("case", 1)}
    events = await portal.published("cases.selfhelp.run_finished", 2)
    assert {e.data["outcome"] for e in events} == {"abandoned"}


async def test_publishing_makes_a_version_that_new_runs_follow_while_earlier_runs_keep_theirs(portal):
    guide = await create_guide(portal)
    earlier = (await start(portal, "manager", guide["id"])).json()
    changed = definition()
    changed["steps"][0]["text"]["sv"] = "Öppna facket."
    saved = await portal.client.put(
        f"{MANAGED}/{guide['id']}/draft", json={"definition": changed}, headers=portal.auth("boss")
    )
    assert saved.status_code == 200 and saved.json()["unpublished_changes"] is True
    assert saved.json()["published_version"] == 1
    published = await portal.client.post(f"{MANAGED}/{guide['id']}/publish", headers=portal.auth("boss"))
    assert published.json()["published_version"] == 2
    assert [v["version"] for v in published.json()["versions"]] == [2, 1]
    nothing = await portal.client.post(f"{MANAGED}/{guide['id']}/publish", headers=portal.auth("boss"))
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_publish"
    later = (await start(portal, "manager", guide["id"])).json()
    assert (earlier["version"], later["version"]) == (1, 2)
    still = (
        await portal.client.get(f"{API}/guide-runs/{earlier['id']}", headers=portal.auth("manager"))
    ).json()
    assert still["version"] == 1
    await answer(portal, "manager", earlier["id"], "s1", "not_solved")
    await answer(portal, "manager", earlier["id"], "s2", "not_solved")
    case = await portal.new_case("manager", "d1", guide_run_id=earlier["id"])
    assert case["self_help"]["version"] == 1 and "sv" not in case["self_help"]["steps"][0]["text"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"category": "coffee"}, "definition.category", "not_a_choice"),
        ({"title": {"es": "Atasco"}}, "definition.title.en", "required"),
        ({"error_codes": ["jam"]}, "definition.error_codes.0", "unknown_error_code"),
        (
            {"steps": [{"key": "s1", "text": {"en": "a"}, "not_solved": "s1"}]},
            "definition.steps.0.not_solved",
            "not_a_later_step",
        ),
        (
            {"steps": [{"key": "s1", "text": {"en": "a"}}, {"key": "s1", "text": {"en": "b"}}]},
            "definition.steps.1.key",
            "duplicate_step",
        ),
        ({"steps": []}, "definition.steps", "too_few_items"),
        (
            {"steps": [{"key": "s1", "text": {"en": "a"}, "image": "../../etc/passwd"}]},
            "definition.steps.0.image",
            "invalid_format",
        ),
    ],
)
async def test_a_bad_definition_is_refused_naming_the_field_and_nothing_is_stored(
    portal, change, field, code
):
    response = await portal.client.post(
        MANAGED, json={"key": "bad", "definition": definition(**change)}, headers=portal.auth("boss")
    )
    assert response.status_code == 422, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["code"]) == (field, code)
    assert (await portal.client.get(MANAGED, headers=portal.auth("boss"))).json()["items"] == []


async def test_only_supervisors_manage_guides_and_staff_run_none(portal):
    guide = await create_guide(portal)
    for user_id in ("agent", "admin", "knowledge"):
        assert (await portal.client.get(MANAGED, headers=portal.auth(user_id))).status_code == 403
        publish = await portal.client.post(f"{MANAGED}/{guide['id']}/publish", headers=portal.auth(user_id))
        assert publish.status_code == 403
    assert (await start(portal, "agent", guide["id"], device_id=None)).status_code == 403
    assert (await start(portal, "stock", guide["id"])).status_code == 403  # may not report problems
    assert (await start(portal, "knowledge", guide["id"], device_id=None)).status_code == 201
    taken = await portal.client.post(
        MANAGED, json={"key": "paper-jam", "definition": definition()}, headers=portal.auth("boss")
    )
    assert taken.status_code == 409 and taken.json()["errors"][0]["code"] == "guide_key_taken"
    run = (await start(portal, "manager", guide["id"])).json()
    assert (
        await portal.client.get(f"{API}/guide-runs/{run['id']}", headers=portal.auth("admin"))
    ).status_code == 404
