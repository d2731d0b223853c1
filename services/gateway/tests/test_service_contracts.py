"""The check that keeps the fake services honest finds what a real service could not have answered."""

from services.gateway.tests.service_contracts import contract_violation


def test_an_answer_the_real_operation_could_give_passes():
    page = {"items": [], "total": 0, "limit": 20, "offset": 0}
    assert contract_violation("cases", "GET", "/api/cases/v1/cases", 200, page) is None
    assert contract_violation("cases", "GET", "/api/cases/v1/cases/case-1", 404, {"detail": "gone"}) is None


def test_a_missing_field_a_wrong_status_and_an_unknown_operation_are_named():
    old_page = {"items": [], "total": 0, "page": 1, "page_size": 20}
    assert "limit: Field required" in contract_violation("cases", "GET", "/api/cases/v1/cases", 200, old_page)
    accepted = {"status": "accepted", "user_id": "u2", "email": "new@example.com"}
    assert "answers 200" in contract_violation(
        "accounts", "POST", "/api/accounts/v1/invitations/accept", 201, accepted
    )
    assert "no operation" in contract_violation("meters", "GET", "/api/meters/v1/no-such-list", 200, {})
