"""The cases service's surveys as far as the pages need them (F-15): the public question and answer of a survey
link, and the supervisors' results. Answers and refusals are shaped by the cases service's own schemas."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from cases.surveys.schemas import NewSurveyAnswer, SurveyResultRow
from cases.surveys.service import as_csv
from shared.auth import Principal
from shared.errors import field_issue

NUMBER = "CS-2026-000123"
GOOD, EXPIRED = "s1.case-1.user-1.1790000000.sig", "s1.case-1.user-1.1700000000.sig"


def problem(status: int, code: str, errors: list[dict] | None = None, **params: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": "Refused", "status": status, "code": code}
    body |= {"params": params} if params else {}
    body |= {"errors": errors} if errors else {}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def result_row(group: str, name: str, ratings: list[int], comments: list[dict] | None = None) -> dict:
    counts = {f"rating_{r}": ratings.count(r) for r in range(1, 6)}
    return {
        "group": group,
        "group_name": name,
        "answers": len(ratings),
        "mean_rating": round(sum(ratings) / len(ratings), 2),
        **counts,
        "comments": comments or [],
    }


@dataclass
class FakeSurveys:
    # token -> whether its follower has answered; any other token is forged.
    answered: dict[str, bool] = field(default_factory=lambda: {GOOD: False})
    answers: list[dict] = field(default_factory=list)
    rows: dict[str, list[dict]] = field(
        default_factory=lambda: {
            "department": [
                result_row(
                    "technical_support",
                    "technical_support",
                    [5, 4, 4, 1],
                    [
                        {
                            "number": NUMBER,
                            "case_id": "case-1",
                            "rating": 1,
                            "comment": "Tardaron <mucho>",
                            "answered_at": "2026-03-03T10:00:00Z",
                        }
                    ],
                ),
                result_row("accounts", "accounts", [3]),
            ],
            "staff": [result_row("agent-1", "Sven", [5, 4]), result_row("", "", [2])],
            "week": [result_row("2026-W10", "2026-03-02", [5, 4, 4, 1, 3])],
            "device_model": [result_row("imageRUNNER C3826i", "imageRUNNER C3826i", [5, 4, 4, 1, 3])],
        }
    )

    def mount(self, app: FastAPI, base: str, principal: Callable[[], Principal]) -> None:
        self.link_routes(app, base)
        self.result_routes(app, base, principal)

    def refused_link(self, token: str) -> JSONResponse | None:
        if token == EXPIRED:
            return problem(410, "survey_link_expired", date="2026-04-01")
        return None if token in self.answered else problem(404, "survey_link_invalid")

    def link_routes(self, app: FastAPI, base: str) -> None:
        @app.get(f"{base}/surveys/{{token}}")
        async def question(token: str):
            refused = self.refused_link(token)
            return refused or {
                "number": NUMBER,
                "answered": self.answered[token],
                "expires_at": "2026-04-01T09:00:00Z",
            }

        @app.post(f"{base}/surveys/{{token}}/answer", status_code=201)
        async def answer(token: str, body: dict):
            if refused := self.refused_link(token):
                return refused
            try:
                request = NewSurveyAnswer.model_validate(body)
            except ValidationError as invalid:
                error = invalid.errors()[0]
                code = "too_long" if error["type"] == "string_too_long" else "must_be_at_most"
                issue = field_issue(str(error["loc"][0]), code, error["msg"], max_length=2000, limit=5)
                return problem(422, "invalid", [issue])
            if self.answered[token]:
                return problem(409, "survey_already_answered", number=NUMBER)
            self.answered[token] = True
            self.answers.append(request.model_dump())
            return {**request.model_dump(), "number": NUMBER, "answered_at": "2026-03-03T10:00:00Z"}

    def results(self, principal: Principal, request: Request) -> JSONResponse | dict[str, Any]:
        if not principal.is_supervisor:
            return problem(403, "forbidden")
        query = request.query_params
        if query.get("to", "") < query.get("from", ""):
            return problem(422, "invalid", [field_issue("to", "ends_before_start", "ends before start")])
        by = query.get("by", "department")
        rows = self.rows[by]
        ratings = [r for row in rows for r in range(1, 6) for _ in range(row[f"rating_{r}"])]
        return {
            "first_day": query["from"],
            "last_day": query["to"],
            "time_zone": query.get("time_zone", "UTC"),
            "by": by,
            "department": query.get("department"),
            "answers": len(ratings),
            "mean_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "rows": rows,
        }

    def result_routes(self, app: FastAPI, base: str, principal: Callable[[], Principal]) -> None:
        @app.get(f"{base}/reports/surveys")
        async def report(request: Request):
            return self.results(principal(), request)

        @app.get(f"{base}/reports/surveys.csv")
        async def report_csv(request: Request):
            answer = self.results(principal(), request)
            if isinstance(answer, JSONResponse):
                return answer
            rows = [SurveyResultRow(**row) for row in answer["rows"]]
            return Response(as_csv(rows), media_type="text/csv; charset=utf-8")
