"""F-15: a resolved case asks each follower for their verdict with a signed link of their own (no login, 30 days);
reading the link's question saves nothing, an answer is saved once per case and follower (by the database), a
forged or expired link is refused with its own code; the staff see the answers on the case and supervisors the
results by department, device model, agent and week, as JSON and CSV."""

import asyncio
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from cases.audit.models import AuditEntry
from cases.settings import Settings
from cases.surveys.models import SurveyAnswer, SurveyLinkKey
from services.cases.tests.conftest import running_portal
from shared.db import utcnow
from shared.migrate import upgrade
from shared.testing import fresh_postgres_database

SURVEYS = "/api/cases/v1/surveys"
RESULTS = "/api/cases/v1/reports/surveys"
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def resolved_case(portal, user_id: str = "manager", device_id: str = "d1", **fields) -> dict:
    case = await portal.new_case(user_id, device_id, **fields)
    assert (await portal.set_status("agent", case["id"], "in_progress")).status_code == 200
    assert (await portal.set_status("agent", case["id"], "resolved")).status_code == 200
    return case


async def survey_paths(portal, case_id: str) -> dict[str, str]:
    """The followers' survey links of the case's latest resolution, from the event in the outbox."""
    changes = [
        e["data"]
        for e in await portal.staged("cases.case.status_changed")
        if e["data"]["case_id"] == case_id and e["data"]["new_status"] == "resolved"
    ]
    return changes[-1]["survey_paths"]


def token_of(path: str) -> str:
    assert path.startswith("/surveys/")
    return path.removeprefix("/surveys/")


async def answer(portal, token: str, rating=4, comment: str | None = "Rápido y amable."):
    body = {"rating": rating} | ({"comment": comment} if comment is not None else {})
    return await portal.client.post(f"{SURVEYS}/{token}/answer", json=body)


async def question(portal, token: str):
    return await portal.client.get(f"{SURVEYS}/{token}")


async def answers(portal) -> int:
    return await portal.count(SurveyAnswer)


@pytest.fixture
async def surveyed(migrated_portal, clock):
    """A case of the device manager's on d1, resolved on Monday 2 March 2026 by an agent nobody assigned."""
    clock.set(MONDAY)
    case = await resolved_case(migrated_portal)
    return migrated_portal, case, await survey_paths(migrated_portal, case["id"])


async def test_a_resolution_gives_each_follower_a_link_of_their_own(surveyed):
    portal, case, paths = surveyed
    detail = (await portal.get("agent", case["id"])).json()
    assert sorted(paths) == sorted(detail["follower_ids"]) and len(paths) >= 2
    assert len(set(paths.values())) == len(paths)
    for user_id, path in paths.items():
        assert f".{case['id']}.{user_id}." in path


async def test_other_changes_carry_no_survey_link(migrated_portal):
    case = await migrated_portal.new_case()
    await migrated_portal.set_status("agent", case["id"], "in_progress")
    [change] = await migrated_portal.staged("cases.case.status_changed")
    assert change["data"]["survey_paths"] == {}


async def test_reading_the_question_saves_nothing(surveyed):
    portal, case, paths = surveyed
    token = token_of(paths["manager"])
    audits, events = await portal.count(AuditEntry), len(await portal.staged())
    for _ in range(3):  # a mail scanner, then the person, then again
        shown = await question(portal, token)
        assert shown.status_code == 200, shown.text
        assert shown.json() == {
            "number": case["number"],
            "answered": False,
            "expires_at": (MONDAY + timedelta(days=30)).isoformat().replace("+00:00", "Z"),
        }
    assert await answers(portal) == 0
    assert await portal.count(AuditEntry) == audits and len(await portal.staged()) == events


async def test_an_answer_is_saved_once_and_published(surveyed, clock):
    portal, case, paths = surveyed
    token = token_of(paths["manager"])
    clock.advance(timedelta(days=1))
    saved = await answer(portal, token, 5, "  Rápido y amable.  ")
    assert saved.status_code == 201, saved.text
    assert saved.json()["number"] == case["number"] and saved.json()["comment"] == "Rápido y amable."
    assert (await question(portal, token)).json()["answered"] is True

    again = await answer(portal, token, 1, "Cambio de opinión")
    assert again.status_code == 409
    assert again.json()["code"] == "survey_already_answered"
    assert again.json()["params"] == {"number": case["number"]}
    assert await answers(portal) == 1

    [event] = await portal.published("cases.survey.answered")
    assert event.data["case_id"] == case["id"] and event.data["user_id"] == "manager"
    assert event.data["rating"] == 5 and event.data["comment"] == "Rápido y amable."
    assert event.data["department"] == "technical_support"
    assert event.data["device_model"] == "imageRUNNER C3826i"
    assert event.data["agent_id"] == "agent"  # who resolved it, as nobody was assigned
    assert await portal.count(AuditEntry, AuditEntry.action == "survey.answered") == 1


async def test_two_followers_answer_once_each_and_the_staff_see_both(surveyed, clock):
    portal, case, paths = surveyed
    assert (await answer(portal, token_of(paths["manager"]), 4, "Bien")).status_code == 201
    clock.advance(timedelta(minutes=5))
    assert (await answer(portal, token_of(paths["dsm"]), 2, None)).status_code == 201
    assert (await answer(portal, token_of(paths["dsm"]), 5)).status_code == 409
    assert await answers(portal) == 2
    staff = (await portal.get("agent", case["id"])).json()["survey_answers"]
    assert [(a["user_name"], a["rating"], a["comment"]) for a in staff] == [
        ("Max Manager", 4, "Bien"),
        ("Dana Both", 2, None),
    ]
    customer = (await portal.get("manager", case["id"])).json()
    assert "survey_answers" not in customer


async def test_one_answer_per_case_and_follower_is_a_database_rule(surveyed):
    portal, case, _ = surveyed

    def row(user_id: str = "manager", rating: int = 3) -> SurveyAnswer:
        return SurveyAnswer(
            id=str(uuid.uuid4()),
            case_id=case["id"],
            user_id=user_id,
            rating=rating,
            answered_at=utcnow(),
            department="technical_support",
        )

    async with portal.app.state.db.session() as session, session.begin():
        session.add(row())
    for refused in (row(), row("dsm", rating=6)):  # a second answer; a rating out of 1..5
        async with portal.app.state.db.session() as session:
            with pytest.raises(IntegrityError):
                async with session.begin():
                    session.add(refused)
    assert await answers(portal) == 1


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature changed
        lambda t: t.replace(".manager.", ".dsm."),  # another follower
        lambda t: t.replace("s1.", "s2."),
        lambda t: "s1.x.y.1.z",
        lambda t: t.rsplit(".", 1)[0],
        lambda t: "nonsense",
        lambda t: t.rsplit(".", 1)[0] + ".signé",  # not even ASCII
    ],
)
async def test_a_forged_link_is_refused_and_saves_nothing(surveyed, alter):
    portal, _, paths = surveyed
    forged = alter(token_of(paths["manager"]))
    for response in (await question(portal, forged), await answer(portal, forged)):
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "survey_link_invalid"
    assert await answers(portal) == 0


async def test_a_link_too_long_to_be_one_is_refused(surveyed):
    portal, _, _ = surveyed
    assert (await question(portal, "s1." + "x" * 400)).status_code == 422


async def test_a_link_expires_after_30_days(surveyed, clock):
    portal, _, paths = surveyed
    token = token_of(paths["manager"])
    clock.set(MONDAY + timedelta(days=30) - timedelta(minutes=1))
    assert (await question(portal, token)).status_code == 200
    clock.set(MONDAY + timedelta(days=30))
    for response in (await question(portal, token), await answer(portal, token)):
        assert response.status_code == 410, response.text
        assert response.json()["code"] == "survey_link_expired"
        assert response.json()["params"] == {"date": "2026-04-01"}
    assert await answers(portal) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "four"}, "rating"),
        ({"comment": "no rating"}, "rating"),
        ({"rating": 3, "comment": "x" * 2001}, "comment"),
        ({"rating": 3, "extra": True}, "extra"),
    ],
)
async def test_a_bad_answer_is_refused_naming_the_field(surveyed, body, field):
    portal, _, paths = surveyed
    refused = await portal.client.post(f"{SURVEYS}/{token_of(paths['manager'])}/answer", json=body)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert await answers(portal) == 0


async def test_the_key_is_made_once_and_the_first_question_makes_none(migrated_portal):
    assert (await question(migrated_portal, "s1.a.b.1.c")).status_code == 404
    assert await migrated_portal.count(SurveyLinkKey) == 0
    await resolved_case(migrated_portal)
    await resolved_case(migrated_portal)
    assert await migrated_portal.count(SurveyLinkKey) == 1


# Results ---------------------------------------------------------------------------------------------------


@pytest.fixture
async def answered(migrated_portal, clock):
    """Four answers in weeks 10 and 11 of 2026: technical support on d1 (resolved by agent) and d2 (assigned to
    agent2), and an account inquiry for the accounts department, with no device."""
    portal = migrated_portal
    clock.set(MONDAY)
    first = await resolved_case(portal)
    paths = await survey_paths(portal, first["id"])
    assert (await answer(portal, token_of(paths["manager"]), 5, "Muy bien")).status_code == 201
    clock.set(MONDAY + timedelta(days=1))
    assert (await answer(portal, token_of(paths["dsm"]), 3, None)).status_code == 201

    second = await portal.new_case("manager2", "d2")
    await portal.place("technical_support", "agent2")
    assigned = await portal.client.post(
        f"/api/cases/v1/cases/{second['id']}/assign",
        json={"assignee_id": "agent2"},
        headers=portal.auth("boss"),
    )
    assert assigned.status_code == 200, assigned.text
    await portal.set_status("agent2", second["id"], "in_progress")
    await portal.set_status("agent2", second["id"], "resolved")
    clock.set(MONDAY + timedelta(days=7))
    paths = await survey_paths(portal, second["id"])
    assert (await answer(portal, token_of(paths["manager2"]), 1, "Tardaron mucho")).status_code == 201

    opened = await portal.open(
        "admin",
        {
            "type": "account_inquiry",
            "account_id": "acc-1",
            "topic": "billing",
            "subject": "s",
            "description": "d",
        },
    )
    inquiry = opened.json()
    await portal.set_status("agent", inquiry["id"], "in_progress")
    await portal.set_status("agent", inquiry["id"], "resolved")
    paths = await survey_paths(portal, inquiry["id"])
    assert (await answer(portal, token_of(paths["admin"]), 4, None)).status_code == 201
    return portal


PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


async def results(portal, **params):
    response = await portal.client.get(RESULTS, params=PERIOD | params, headers=portal.auth("boss"))
    assert response.status_code == 200, response.text
    return response.json()


def figures(rows: list[dict]) -> list[tuple]:
    return [
        (r["group"], r["group_name"], r["answers"], r["mean_rating"], [r[f"rating_{i}"] for i in range(1, 6)])
        for r in rows
    ]


async def test_results_by_department(answered):
    report = await results(answered)
    assert report["answers"] == 4 and report["mean_rating"] == 3.25
    assert figures(report["rows"]) == [
        ("technical_support", "technical_support", 3, 3.0, [1, 0, 1, 0, 1]),
        ("accounts", "accounts", 1, 4.0, [0, 0, 0, 1, 0]),
    ]
    comments = report["rows"][0]["comments"]
    assert [(c["rating"], c["comment"]) for c in comments] == [(1, "Tardaron mucho"), (5, "Muy bien")]


async def test_results_by_device_model_agent_and_week(answered):
    by_model = await results(answered, by="device_model")
    assert figures(by_model["rows"]) == [
        ("imageRUNNER C3826i", "imageRUNNER C3826i", 3, 3.0, [1, 0, 1, 0, 1]),
        ("", "", 1, 4.0, [0, 0, 0, 1, 0]),
    ]
    by_agent = await results(answered, by="staff")
    assert figures(by_agent["rows"]) == [
        ("agent", "Agnes Agent", 3, 4.0, [0, 0, 1, 1, 1]),
        ("agent2", "Arvid Agent", 1, 1.0, [1, 0, 0, 0, 0]),
    ]
    by_week = await results(answered, by="week")
    assert figures(by_week["rows"]) == [
        ("2026-W10", "2026-03-02", 2, 4.0, [0, 0, 1, 0, 1]),
        ("2026-W11", "2026-03-09", 2, 2.5, [1, 0, 0, 1, 0]),
    ]
    only_accounts = await results(answered, department="accounts")
    assert only_accounts["answers"] == 1 and figures(only_accounts["rows"])[0][0] == "accounts"


async def test_results_as_csv(answered):
    response = await answered.client.get(
        f"{RESULTS}.csv", params=PERIOD | {"by": "staff"}, headers=answered.auth("boss")
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="surveys-by-staff-2026-03-01-2026-03-31.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["group_name"], r["answers"], r["mean_rating"], r["rating_5"]) for r in rows] == [
        ("Agnes Agent", "3", "4.0", "1"),
        ("Arvid Agent", "1", "1.0", "0"),
    ]
    assert rows[0]["comments"].endswith("(5): Muy bien") and "Tardaron mucho" in rows[1]["comments"]


async def test_only_supervisors_read_the_results(answered):
    for user_id in ("agent", "admin", "manager"):
        for path in (RESULTS, f"{RESULTS}.csv"):
            response = await answered.client.get(path, params=PERIOD, headers=answered.auth(user_id))
            assert response.status_code == 403, (user_id, path)


async def test_results_refuse_a_bad_period_or_grouping(answered):
    for params, field in (
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        (PERIOD | {"by": "colour"}, "by"),
    ):
        response = await answered.client.get(RESULTS, params=params, headers=answered.auth("boss"))
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field


# On PostgreSQL ---------------------------------------------------------------------------------------------


@pytest.fixture
async def postgres_portal(jwt_keys, token_for):
    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, "cases", url)
        settings = Settings(database_url=url, amqp_url="memory://", jwt_public_keys=jwt_keys[1])
        async for portal in running_portal(settings, token_for):
            yield portal


@pytest.mark.integration
async def test_simultaneous_answers_on_postgresql_save_exactly_one(postgres_portal):
    portal = postgres_portal
    # Two resolutions at once make one key between them.
    first, second = await asyncio.gather(resolved_case(portal), resolved_case(portal, "manager2", "d2"))
    assert await portal.count(SurveyLinkKey) == 1
    token = token_of((await survey_paths(portal, first["id"]))["manager"])
    answered = await asyncio.gather(*(answer(portal, token, rating) for rating in [1, 2, 3, 4, 5] * 2))
    assert sorted(r.status_code for r in answered) == [201] + [409] * 9
    assert {r.json()["code"] for r in answered if r.status_code == 409} == {"survey_already_answered"}
    assert await answers(portal) == 1
    other = token_of((await survey_paths(portal, second["id"]))["manager2"])
    assert (await answer(portal, other, 5)).status_code == 201
