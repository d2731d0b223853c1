"""The status workflow (F-14): which side may move a case from which status to which.

new -> in_progress -> waiting_for_customer <-> in_progress -> resolved -> closed. Agents drive it; a customer
may cancel a `new` case and reopen a `resolved` one within 14 days. A customer's reply to a case waiting for
them puts it back in progress (see `reply_transition`)."""

from datetime import datetime, timedelta

from shared.errors import Problem
from shared.events.vocabulary import CaseAction, CaseStatus, Side

NEW, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED = CaseStatus
STATUSES = tuple(CaseStatus)
REOPEN_WINDOW = timedelta(days=14)

VENDOR_TRANSITIONS: dict[str, tuple[CaseStatus, ...]] = {
    NEW: (IN_PROGRESS,),
    IN_PROGRESS: (WAITING, RESOLVED),
    WAITING: (IN_PROGRESS,),
    RESOLVED: (CLOSED,),
}
CUSTOMER_TRANSITIONS: dict[str, tuple[CaseStatus, ...]] = {
    NEW: (CANCELLED,),
    RESOLVED: (IN_PROGRESS,),
}
TERMINAL = (CLOSED, CANCELLED)
# What the vendor still works on: the agents' queue (F-40) and an account's open cases.
OPEN = (NEW, IN_PROGRESS, WAITING)


def allowed_transitions(side: str, status: str, resolved_at: datetime | None, now: datetime) -> list[str]:
    if side == Side.VENDOR:
        return [target.value for target in VENDOR_TRANSITIONS.get(status, ())]
    allowed = [target.value for target in CUSTOMER_TRANSITIONS.get(status, ())]
    if status == RESOLVED and not within_reopen_window(resolved_at, now):
        allowed.remove(IN_PROGRESS)
    return allowed


def case_actions(side: str, status: str, transitions: list[str]) -> list[str]:
    """What the side may do on a case in this status besides reading it, given its allowed transitions: a
    customer replies until the case is closed or cancelled, cancels a new case and reopens a resolved one;
    the vendor's staff reply (until it is over), note and move it along its workflow (who works it: `assignment_actions`)."""
    if side == Side.VENDOR:
        # A closed or cancelled case is over for both sides: the staff keep their internal notes only.
        actions = (
            [CaseAction.ADD_INTERNAL_NOTE]
            if status in TERMINAL
            else [CaseAction.REPLY, CaseAction.ADD_INTERNAL_NOTE]
        )
        return [action.value for action in actions + ([CaseAction.CHANGE_STATUS] if transitions else [])]
    actions = [] if status in TERMINAL else [CaseAction.REPLY]
    if CANCELLED in transitions:
        actions.append(CaseAction.CANCEL)
    if status == RESOLVED and IN_PROGRESS in transitions:
        actions.append(CaseAction.REOPEN)
    return [action.value for action in actions]


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
    if side == Side.CUSTOMER and status == RESOLVED and target == IN_PROGRESS:
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
    if side == Side.CUSTOMER and status == WAITING:
        return IN_PROGRESS
    return None
