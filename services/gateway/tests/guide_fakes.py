"""The cases service's self-help guides and runs, as far as the pages need them: texts are picked, steps followed
and definitions checked by the cases service's own functions, the roles from shared.permissions, so the fake
decides as the service does."""

import copy
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from cases.selfhelp.content import (
    CASE,
    SOLVED,
    GuideDefinition,
    in_language,
    next_of,
    parse_error_code,
    words_found,
)
from shared.auth import Principal
from shared.errors import field_issue
from shared.permissions import guide_actions

PAPER_JAM = {
    "category": "paper_jam",
    "models": [],
    "error_codes": ["J1104"],
    "title": {"en": "Paper jam", "es": "Atasco de papel", "sv": "Pappersstopp"},
    "keywords": {"es": "hoja atascada"},
    "steps": [
        {
            "key": "s1",
            "text": {"en": "Open the drawer.", "es": "Abra la bandeja.", "sv": "Öppna facket."},
            "solved": "solved",
            "not_solved": "s2",
        },
        {
            "key": "s2",
            "text": {"en": "Open the side cover.", "es": "Abra la tapa lateral.", "sv": "Öppna sidoluckan."},
            "solved": "solved",
            "not_solved": "case",
        },
    ],
}
NOISE = {
    "category": "noise_damage",
    "models": [],
    "error_codes": [],
    "title": {"en": "Unusual noise"},
    "keywords": {},
    "steps": [
        {
            "key": "s1",
            "text": {"en": "Remove objects from the drawers."},
            "solved": "solved",
            "not_solved": "case",
        }
    ],
}
STATS = {
    "runs": 5,
    "open_runs": 1,
    "solved": 3,
    "deflected": 1,
    "awaiting_deflection": 1,
    "escalated": 2,
    "abandoned": 1,
    "abandoned_by_step": [{"step": "s2", "abandoned": 1}],
}


def problem(status: int, code: str, errors: list[dict] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": "Refused", "status": status, "code": code}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


@dataclass
class FakeGuides:
    # guide id -> {"key", "draft", "versions": [definition, ...]}
    guides: dict[str, dict] = field(
        default_factory=lambda: {
            "guide-1": {
                "key": "paper-jam",
                "draft": copy.deepcopy(PAPER_JAM),
                "versions": [copy.deepcopy(PAPER_JAM)],
            },
            "guide-2": {
                "key": "unusual-noise",
                "draft": copy.deepcopy(NOISE),
                "versions": [copy.deepcopy(NOISE)],
            },
        }
    )
    runs: dict[str, dict] = field(default_factory=dict)

    def summary(self, guide_id: str, language: str) -> dict:
        guide = self.guides[guide_id]
        definition = guide["versions"][-1] if guide["versions"] else guide["draft"]
        title, fallback = in_language(definition["title"], language)
        return {
            "id": guide_id,
            "key": guide["key"],
            "version": len(guide["versions"]),
            "category": definition["category"],
            "models": definition["models"],
            "error_codes": definition["error_codes"],
            "title": title,
            "language": "en" if fallback else language,
            "fallback": fallback,
        }

    def step(self, definition: dict, key: str | None, language: str) -> dict | None:
        found = next((s for s in definition["steps"] if s["key"] == key), None)
        if found is None:
            return None
        return {**found, "text": in_language(found["text"], language)[0]}

    def run_answer(self, run: dict, language: str) -> dict:
        definition = self.guides[run["guide_id"]]["versions"][run["version"] - 1]
        title, fallback = in_language(definition["title"], language)
        shown = "en" if fallback else language
        by_key = {s["key"]: s for s in definition["steps"]}
        return {
            **{
                k: run[k]
                for k in (
                    "id",
                    "guide_id",
                    "version",
                    "device_id",
                    "category",
                    "error_code",
                    "status",
                    "case_id",
                )
            },
            "title": title,
            "language": shown,
            "fallback": fallback,
            "current_step": self.step(definition, run["current"], shown),
            "steps_tried": [
                {
                    "step": s["step"],
                    "answer": s["answer"],
                    "text": in_language(by_key[s["step"]]["text"], shown)[0],
                }
                for s in run["steps"]
            ],
            "started_at": run["started_at"],
            "finished_at": None,
        }

    def managed(self, guide_id: str, principal: Principal, language: str) -> dict:
        guide = self.guides[guide_id]
        published = guide["versions"][-1] if guide["versions"] else None
        now = dt.datetime.now(dt.UTC).isoformat()
        return {
            **{
                k: v
                for k, v in self.summary(guide_id, language).items()
                if k in ("id", "key", "title", "category")
            },
            "status": "published" if published else "draft",
            "published_version": len(guide["versions"]) or None,
            "unpublished_changes": published != guide["draft"],
            "updated_at": now,
            "stats": STATS,
            "allowed_actions": guide_actions(principal),
            "draft": guide["draft"],
            "published": published,
            "versions": [
                {"version": n, "published_at": now, "published_by": "user-1", "runs": 2}
                for n in range(len(guide["versions"]), 0, -1)
            ],
        }

    def mount(
        self, app: FastAPI, base: str, principal: Callable[[], Principal], language: Callable[[], str]
    ) -> None:
        self.reading_routes(app, base, principal, language)
        self.run_routes(app, base, principal, language)
        self.managing_routes(app, base, principal, language)

    def reading_routes(self, app: FastAPI, base: str, principal, language) -> None:
        @app.get(f"{base}/guides")
        async def find(
            q: str = "", category: str = "", device_id: str = "", error_code: str = "", match: str = "all"
        ):
            code = parse_error_code(error_code) if error_code else None
            if error_code and code is None:
                return problem(422, "invalid", [field_issue("error_code", "unknown_error_code", "unknown")])
            items = [
                self.summary(guide_id, language())
                for guide_id, guide in self.guides.items()
                if guide["versions"]
                and (not category or guide["versions"][-1]["category"] == category)
                and (not code or code.canonical in guide["versions"][-1]["error_codes"])
                and (not q or words_found(guide["versions"][-1], q, language(), match == "all"))
            ]
            service_call = bool(code and code.family == "service_call")
            return {
                "items": items,
                "error_code": {"code": code.canonical, "family": code.family} if code else None,
                "service_call": service_call,
            }

        @app.get(f"{base}/guides/{{guide_id}}")
        async def read(guide_id: str):
            if guide_id not in self.guides or not self.guides[guide_id]["versions"]:
                return problem(404, "not_found")
            summary = self.summary(guide_id, language())
            definition = self.guides[guide_id]["versions"][-1]
            return {
                **summary,
                "steps": [self.step(definition, s["key"], summary["language"]) for s in definition["steps"]],
            }

    def run_routes(self, app: FastAPI, base: str, principal, language) -> None:
        @app.post(f"{base}/guide-runs", status_code=201)
        async def start(body: dict):
            if principal().is_staff:
                return problem(403, "forbidden")
            guide = self.guides.get(body.get("guide_id", ""))
            if guide is None:
                return problem(404, "not_found")
            definition = guide["versions"][-1]
            run = {
                "id": str(uuid.uuid4()),
                "guide_id": body["guide_id"],
                "version": len(guide["versions"]),
                "device_id": body.get("device_id"),
                "category": definition["category"],
                "error_code": body.get("error_code"),
                "status": "open",
                "case_id": None,
                "current": definition["steps"][0]["key"],
                "steps": [],
                "started_at": dt.datetime.now(dt.UTC).isoformat(),
            }
            self.runs[run["id"]] = run
            return self.run_answer(run, language())

        @app.get(f"{base}/guide-runs/{{run_id}}")
        async def read_run(run_id: str):
            if run_id not in self.runs:
                return problem(404, "not_found")
            return self.run_answer(self.runs[run_id], language())

        @app.post(f"{base}/guide-runs/{{run_id}}/answers")
        async def answer(run_id: str, body: dict):
            run = self.runs.get(run_id)
            if run is None:
                return problem(404, "not_found")
            if run["status"] != "open":
                return problem(409, "guide_run_finished")
            if body.get("step") != run["current"]:
                return problem(
                    409, "not_current_step", [field_issue("step", "not_current_step", "not current")]
                )
            definition = self.guides[run["guide_id"]]["versions"][run["version"] - 1]
            target = next_of(definition, body["step"], body["answer"])
            run["steps"].append({"step": body["step"], "answer": body["answer"]})
            run["current"] = None if target in (SOLVED, CASE) else target
            run["status"] = {SOLVED: "solved", CASE: "needs_case"}.get(target, "open")
            return self.run_answer(run, language())

    def managing_routes(self, app: FastAPI, base: str, principal, language) -> None:
        def refused() -> JSONResponse | None:
            return None if principal().is_supervisor else problem(403, "forbidden")

        @app.get(f"{base}/managed-guides")
        async def listed():
            if (denied := refused()) is not None:
                return denied
            items = [
                {
                    k: v
                    for k, v in self.managed(g, principal(), language()).items()
                    if k not in ("draft", "published", "versions")
                }
                for g in self.guides
            ]
            return {"items": items, "allowed_actions": guide_actions(principal())}

        @app.get(f"{base}/managed-guides/{{guide_id}}")
        async def one(guide_id: str):
            if (denied := refused()) is not None:
                return denied
            if guide_id not in self.guides:
                return problem(404, "not_found")
            return self.managed(guide_id, principal(), language())

        @app.put(f"{base}/managed-guides/{{guide_id}}/draft")
        async def draft(guide_id: str, body: dict):
            if (denied := refused()) is not None:
                return denied
            try:
                checked = GuideDefinition.model_validate(body["definition"]).model_dump(mode="json")
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in ("definition", *first["loc"]))
                return problem(
                    422, "invalid", [field_issue(where, "too_long", first["msg"], max_length=2000)]
                )
            if not checked["title"].get("en"):
                return problem(422, "invalid", [field_issue("definition.title.en", "required", "required")])
            self.guides[guide_id]["draft"] = checked
            return self.managed(guide_id, principal(), language())

        @app.post(f"{base}/managed-guides", status_code=201)
        async def create(body: dict):
            if (denied := refused()) is not None:
                return denied
            if any(g["key"] == body.get("key") for g in self.guides.values()):
                return problem(409, "invalid", [field_issue("key", "guide_key_taken", "taken")])
            guide_id = f"guide-{len(self.guides) + 1}"
            self.guides[guide_id] = {"key": body["key"], "draft": body["definition"], "versions": []}
            return self.managed(guide_id, principal(), language())

        @app.post(f"{base}/managed-guides/{{guide_id}}/publish")
        async def publish(guide_id: str):
            if (denied := refused()) is not None:
                return denied
            guide = self.guides[guide_id]
            if guide["versions"] and guide["versions"][-1] == guide["draft"]:
                return problem(409, "nothing_to_publish")
            guide["versions"].append(copy.deepcopy(guide["draft"]))
            return self.managed(guide_id, principal(), language())
