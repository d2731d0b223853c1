"""The status workflow (F-14): which side may move a case from which status to which.

new -> in_progress -> waiting_for_customer <-> in_progress -> resolved -> closed. Agents drive it; a customer
may cancel a `new` case and reopen a `resolved` one within 14 days. A customer's reply to a case waiting for
them puts it back in progress (see `reply_transition`)."""

from datetime import datetime, timedelta

from shared.errors import Problem

STATUSES = ("new", "in_progress", "waiting_for_customer", "resolved", "closed", "cancelled")
REOPEN_WINDOW = timedelta(days=14)

VENDOR_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("in_progress",),
    "in_progress": ("waiting_for_customer", "resolved"),
    "waiting_for_customer": ("in_progress",),
    "resolved": ("closed",),
}
CUSTOMER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("cancelled",),
    "resolved": ("in_progress",),
}
TERMINAL = ("closed", "cancelled")


def allowed_transitions(side: str, status: str, resolved_at: datetime | None, now: datetime) -> list[str]:
    if side == "vendor":
        return list(VENDOR_TRANSITIONS.get(status, ()))
    allowed = list(CUSTOMER_TRANSITIONS.get(status, ()))
    if status == "resolved" and not within_reopen_window(resolved_at, now):
        allowed.remove("in_progress")
    return allowed


def within_reopen_window(resolved_at: datetime | None, now: datetime) -> bool:
    return resolved_at is not None and now - resolved_at <= REOPEN_WINDOW


def check_transition(
    side: str, status: str, target: str, resolved_at: datetime | None, now: datetime
) -> None:
    """Refuse an illegal transition with a 409 naming where the case is, where it was asked to go, and
    where this side may take it."""
    allowed = allowed_transitions(side, status, resolved_at, now)
    if target in allowed:
        return
    detail = f"A case cannot go from {status} to {target}"
    if side == "customer" and status == "resolved" and target == "in_progress":
        detail += " more than 14 days after it was resolved"
    detail += f"; allowed from {status}: {', '.join(allowed) or 'none'}."
    raise Problem(
        409,
        "Illegal status transition",
        detail,
        code="illegal_transition",
        params={"from_status": status, "to_status": target},
        from_status=status,
        to_status=target,
        allowed_transitions=allowed,
    )


def reply_transition(side: str, status: str) -> str | None:
    """The status a new message moves the case to, if any: a customer's reply ends the wait for them."""
    if side == "customer" and status == "waiting_for_customer":
        return "in_progress"
    return None
