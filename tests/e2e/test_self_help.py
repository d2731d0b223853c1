"""Guided self-help across the processes (F-16, F-42): the deflection rule on the services' business clock, and
a supervisor's new version of a guide that new runs follow while earlier runs keep theirs."""

from datetime import timedelta

import pytest

from deploy.demo.load import publish_guides

pytestmark = pytest.mark.e2e
ADMIN, SUPERVISOR, SWEDISH = "admin@iberica.example", "supervisor@canon.example", "admin@nordisk.example"
CASES = "/api/cases/v1"


def guide_id(api, key: str) -> str:
    return next(g["id"] for g in api.get(f"{CASES}/guides").json()["items"] if g["key"] == key)


def devices(api) -> dict[str, str]:
    return {d["serial"]: d["id"] for d in api.get("/api/accounts/v1/devices").json()["items"]}


def run_to_the_end(api, guide: str, device_id: str | None, answers: list[str]) -> dict:
    started = api.post(f"{CASES}/guide-runs", json={"guide_id": guide, "device_id": device_id})
    assert started.status_code == 201, started.text
    run = started.json()
    for reply in answers:
        answered = api.post(
            f"{CASES}/guide-runs/{run['id']}/answers",
            json={"step": run["current_step"]["key"], "answer": reply},
        )
        assert answered.status_code == 200, answered.text
        run = answered.json()
    return run


def new_incident(api, device_id: str, category: str) -> dict:
    created = api.post(
        f"{CASES}/cases",
        json={
            "type": "incident",
            "device_id": device_id,
            "category": category,
            "subject": "Sigue sin conexión",
            "description": "El equipo vuelve a aparecer desconectado.",
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


def stats_of(system, guide: str) -> dict:
    with system.client(system.login(SUPERVISOR)) as api:
        return api.get(f"{CASES}/managed-guides/{guide}").json()["stats"]


def test_solved_then_a_case_within_72_hours_is_escalated_and_after_them_deflected(system):
    with system.client(system.login(ADMIN)) as api:
        serials, guide = devices(api), guide_id(api, "device-offline")
        before = stats_of(system, guide)
        try:
            escalated = run_to_the_end(api, guide, serials["ES3930C0005"], ["solved"])
            deflected = run_to_the_end(api, guide, serials["ES1238M0004"], ["solved"])
            assert (escalated["status"], deflected["status"]) == ("solved", "solved")
            system.clock.advance(timedelta(hours=48))
            case = new_incident(api, serials["ES3930C0005"], "device_offline")
            system.clock.advance(timedelta(hours=25))  # 73 hours after both "solved"
            new_incident(api, serials["ES1238M0004"], "device_offline")
            escalated = api.get(f"{CASES}/guide-runs/{escalated['id']}").json()
            deflected = api.get(f"{CASES}/guide-runs/{deflected['id']}").json()
            assert (escalated["status"], escalated["case_id"]) == ("escalated", case["id"])
            assert (deflected["status"], deflected["case_id"]) == ("solved", None)
            after = stats_of(system, guide)
        finally:
            system.clock.reset()
    grew = {name: after[name] - before[name] for name in ("runs", "solved", "escalated", "deflected")}
    assert grew == {"runs": 2, "solved": 2, "escalated": 1, "deflected": 1}


def test_a_guide_edited_in_swedish_and_published_is_followed_by_new_runs_while_earlier_runs_keep_theirs(
    system,
):
    with system.client(system.login(SWEDISH)) as customer, system.client(system.login(SUPERVISOR)) as boss:
        guide = guide_id(customer, "unusual-noise")
        device = devices(customer)["SE6855A0006"]
        earlier = run_to_the_end(customer, guide, device, [])
        managed = boss.get(f"{CASES}/managed-guides/{guide}").json()
        draft = managed["draft"]
        draft["steps"][0]["text"]["sv"] = "Öppna varje fack och ta bort det som har ramlat ner."
        saved = boss.put(f"{CASES}/managed-guides/{guide}/draft", json={"definition": draft})
        assert saved.status_code == 200, saved.text
        published = boss.post(f"{CASES}/managed-guides/{guide}/publish")
        assert published.status_code == 200, published.text
        version = published.json()["published_version"]
        later = run_to_the_end(customer, guide, device, [])
        assert later["version"] == version == earlier["version"] + 1
        assert later["current_step"]["text"] == "Öppna varje fack och ta bort det som har ramlat ner."
        kept = customer.get(f"{CASES}/guide-runs/{earlier['id']}").json()
        assert (
            kept["version"] == earlier["version"]
            and kept["current_step"]["text"] == earlier["current_step"]["text"]
        )
        assert customer.get(f"{CASES}/guides/{guide}").json()["version"] == version


def test_loading_the_demo_again_leaves_the_guides_as_they_are(system):
    with system.client(system.login(SUPERVISOR)) as api:
        before = {
            g["key"]: g["published_version"] for g in api.get(f"{CASES}/managed-guides").json()["items"]
        }
        publish_guides(system.config)
        after = {g["key"]: g["published_version"] for g in api.get(f"{CASES}/managed-guides").json()["items"]}
    assert after == before and len(before) >= 8 and all(before.values())
