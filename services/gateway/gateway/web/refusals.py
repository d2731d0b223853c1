"""The services' refusals in the visitor's language: each problem answer carries a stable `code` and `params`
(and each field at fault its own), and the text shown is the catalogs' for that code, never the service's English.

`form_errors` is the one way a page puts a refusal next to its form's fields; `problem_text` is the sentence for
the page's error summary."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.web.labels import N_
from gateway.web.visit import Answer, Visit, parse_date
from shared.errors import status_code_name

# The text of each code; `%(name)s` are the code's params.
MESSAGES = {
    # An answer that names no code of its own has the code of its status.
    "bad_request": N_("The request could not be understood. Please check what you entered."),
    "unauthorized": N_("Please log in to continue."),
    "forbidden": N_("Your role does not allow this."),
    "not_found": N_("This could not be found, or you may not see it."),
    "method_not_allowed": N_("This action is not possible here."),
    "conflict": N_("Something changed meanwhile. Reload the page and try again."),
    "gone": N_("This is no longer available."),
    "payload_too_large": N_("What you sent is too large."),
    "unsupported_media_type": N_("What you sent could not be read."),
    "invalid": N_("This value is not valid."),
    "too_many_requests": N_("Too many attempts. Please wait a few minutes and try again."),
    "internal_error": N_("Something went wrong on our side. Please try again later."),
    "upstream_unavailable": N_(
        "This part of the portal cannot be reached right now. Please try again later."
    ),
    "service_unavailable": N_("The service is busy right now. Please try again in a moment."),
    "database_unavailable": N_("The service is busy right now. Please try again in a moment."),
    "unknown_service": N_("There is no such service."),
    "invalid_characters": N_(
        "This text contains characters that cannot be used (such as control characters)."
    ),
    # The fields' codes that every service shares (shared.errors.PYDANTIC_CODES).
    "required": N_("This field is required."),
    "too_short": N_("Enter at least %(min_length)s characters."),
    "too_long": N_("Enter at most %(max_length)s characters."),
    "too_few_items": N_("Choose at least %(min_length)s."),
    "too_many_items": N_("Choose at most %(max_length)s."),
    "must_be_greater_than": N_("Enter a value greater than %(limit)s."),
    "must_be_at_least": N_("Enter %(limit)s or more."),
    "must_be_less_than": N_("Enter a value less than %(limit)s."),
    "must_be_at_most": N_("Enter %(limit)s or less."),
    "not_a_whole_number": N_("Enter a whole number."),
    "not_a_number": N_("Enter a number."),
    "not_a_date": N_("Enter a valid date."),
    "not_a_datetime": N_("Enter a valid date and time."),
    "invalid_format": N_("This value does not have the expected format."),
    "not_a_choice": N_("Choose one of the options offered."),
    "not_a_text": N_("Enter a text."),
    "unexpected_field": N_("This field is not expected here."),
    "invalid_json": N_("The request could not be read."),
    "invalid_email": N_("Enter a valid email address."),
    "must_be_future": N_("Choose a date in the future."),
    "unknown_time_zone": N_("Choose a known time zone."),
    # cases
    "case_closed": N_("Case %(number)s has the status “%(status)s”: open a new case instead."),
    "illegal_transition": N_("The case cannot go from “%(from_status)s” to “%(to_status)s”."),
    "not_awaiting_release": N_("Case %(number)s is not an order waiting for a release."),
    "not_active_staff": N_("Choose an active member of the service team."),
    "not_department_member": N_("Choose someone who works in the department “%(department)s”."),
    "not_in_department": N_("You do not work in the department “%(department)s”."),
    "conflicting_filters": N_("Choose either a person or only the cases nobody is assigned to, not both."),
    "unknown_user": N_("This person is not known to the portal yet. Try again in a moment."),
    "not_a_category": N_("Cases of the type “%(type)s” have no category “%(category)s”."),
    "default_rule_required": N_(
        "Every case of the type “%(type)s” needs a department: change its rule for any category instead of deleting it."
    ),
    "not_in_catalogue": N_("%(sku)s is not in this device's catalogue."),
    "not_enough_stock": N_("Only %(on_site)s of %(item)s are on site."),
    "ordered_twice": N_("%(item)s is ordered more than once."),
    "too_many": N_("At most %(max)s of %(item)s per order."),
    "unknown_calendar": N_("There is no such business-hours calendar."),
    "closes_before_opening": N_("The closing time must be later than the opening time."),
    "overlapping_hours": N_("The opening hours of a day may not overlap."),
    "no_opening_hours": N_("Set opening hours for at least one day of the week."),
    "date_out_of_range": N_("Choose a date between the years %(first_year)s and %(last_year)s."),
    "ends_before_start": N_("The last day may not come before the first."),
    "period_too_long": N_("Choose a period of at most %(weeks)s weeks."),
    "survey_link_invalid": N_(
        "This survey link is not valid. Open the link in the email again, or copy its whole address."
    ),
    "survey_link_expired": N_("This survey link expired on %(date)s: a survey can be answered for 30 days."),
    "survey_already_answered": N_(
        "You have already answered the survey about case %(number)s. Thank you, we have your answer."
    ),
    # cases: self-help guides
    "unknown_error_code": N_(
        "Enter the code as the device shows it: J (paper jam), C (consumable) or E (service call) and its number, for example J1104."
    ),
    "not_a_later_step": N_("Choose “%(end)s” or a later step."),
    "duplicate_step": N_("Another step already has this name."),
    "guide_run_finished": N_("This guide has already ended. Start it again if you need it."),
    "not_current_step": N_("This step was already answered. Continue from the current step."),
    "unknown_guide_run": N_("The guide you followed could not be found. Open the case without it."),
    "guide_run_other_device": N_("The guide was followed for another device: choose that device."),
    "guide_key_taken": N_("Another guide already has this key."),
    "nothing_to_publish": N_("The draft has no changes since the published version."),
    # meters
    "unknown_counter": N_("This device has no counter “%(counter)s”."),
    "already_read_today": N_(
        "This device already has a reading for %(date)s. Only one reading a day is accepted."
    ),
    "lower_than_previous": N_(
        "The %(counter)s counter cannot be lower than the previous reading: %(previous)s on %(date)s."
    ),
    "higher_than_next": N_(
        "The %(counter)s counter cannot be higher than the later reading: %(next)s on %(date)s."
    ),
    "confirmation_required": N_(
        "This value means %(implied)s pages a day on the %(counter)s counter, "
        "while this device usually prints about %(usual)s. Check it, or confirm "
        "that it is correct."
    ),
    "already_reviewed": N_("This reading was already reviewed."),
    # accounts
    "password_too_common": N_("This password is too common; choose another one."),
    "password_is_email": N_("The password may not be your email address."),
    "password_is_personal": N_(
        "The password may not be made of your name, your email address, your account's or the portal's name."
    ),
    "too_many_logins": N_("Too many failed logins. Please wait a few minutes and try again."),
    "link_unusable": N_("This link is invalid, expired or already used. Ask for a new one."),
    "serial_mismatch": N_("This serial number does not match a device of that account number."),
    "not_awaiting_approval": N_("This registration has already been decided."),
    "concurrent_change": N_("Someone else changed this at the same moment. Reload the page and try again."),
    "not_account_devices": N_("Choose devices of this account only."),
    "knowledge_user_devices": N_(
        "A knowledge user has no devices: untick the devices or choose another role."
    ),
    "last_administrator": N_(
        "An account must keep at least one active administrator: appoint another administrator first."
    ),
    "cannot_deactivate_self": N_("You cannot deactivate yourself; ask another administrator."),
    "already_member": N_("This person is already a user of this account."),
    "already_invited": N_("This person already has an open invitation; cancel it to invite them again."),
    "invitation_not_open": N_("This invitation is already accepted, cancelled or expired."),
    "user_deactivated": N_("This user is deactivated; reactivate them first."),
    "invitation_used": N_("This invitation was already used. Log in instead."),
    "invitation_cancelled": N_("This invitation was withdrawn by the account's administrator."),
    "invitation_expired": N_(
        "This invitation has expired. Ask the account's administrator to invite you again."
    ),
    "invitation_unknown": N_("This invitation link is not valid. Ask for a new invitation."),
}
# Params that hold a service's code, shown through its label (see labels.KINDS).
PARAM_LABELS = {
    "status": "status",
    "from_status": "status",
    "to_status": "status",
    "counter": "counter",
    "role": "role",
    "resolution": "resolution",
    "type": "type",
    "category": "category",
    "department": "department",
}
DATE_PARAMS = frozenset({"date"})
# The parts of a service's field path that are groups, not form fields: `relocation.network.dns.1` is `dns`.
GROUPS = frozenset({"body", "shipping", "relocation", "network", "removal", "counters"})


@dataclass
class Refusal:
    """One of several forms on a page that a service refused: which form (and for what: a user, a department,
    a rule), what was typed, and why."""

    form: str
    target: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None

    def concerns(self, form: str, target: str | None = None) -> bool:
        return self.form == form and self.target == target


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return ""  # a param the service left out leaves a gap, never a failed page


def localized(visit: Visit, code: str | None, params: Mapping[str, Any] | None, fallback: str) -> str:
    """The text of `code` in the visitor's language with its params formatted for them."""
    template = MESSAGES.get(code or "") or MESSAGES[fallback]
    values = _Params({name: shown(visit, name, value) for name, value in (params or {}).items()})
    return visit.gettext(template) % values


def shown(visit: Visit, name: str, value: Any) -> str:
    if name in PARAM_LABELS:
        return visit.label(PARAM_LABELS[name], value)
    if name in DATE_PARAMS:
        return visit.formatter.date(parse_date(value)) or str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return visit.formatter.number(value)
    return str(value)


def _body(answer: Answer) -> dict:
    return answer.body if isinstance(answer.body, dict) else {}


def field_items(answer: Answer) -> list[dict]:
    return [item for item in _body(answer).get("errors") or [] if isinstance(item, dict)]


def field_message(visit: Visit, item: dict) -> str:
    return localized(visit, item.get("code"), item.get("params"), "invalid")


def problem_text(visit: Visit, answer: Answer) -> str:
    """The refusal as one sentence: its code's text, or for a refusal of fields the first field's."""
    body = _body(answer)
    code = body.get("code") or status_code_name(answer.status)
    items = field_items(answer)
    if code == "invalid" and items:
        return field_message(visit, items[0])
    fallback = code if code in MESSAGES else status_code_name(answer.status)
    return localized(visit, code, body.get("params"), fallback if fallback in MESSAGES else "bad_request")


def form_field(path: str) -> str:
    """`relocation.network.dns.1` is the form's `dns`; a path of groups only (`counters.0`) is its group."""
    parts = [part for part in path.split(".") if not part.isdigit()]
    return "_".join(part for part in parts if part not in GROUPS) or (parts[0] if parts else path)


def form_errors(
    visit: Visit,
    answer: Answer,
    fields: Iterable[str] | None = None,
    default_field: str | None = None,
    rename: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The refusal's messages by form field (`body.password` is `password`, `items.0.quantity` may be renamed);
    with `fields`, only those; a refusal naming none of them is shown next to `default_field`."""
    wanted = None if fields is None else set(fields)
    errors: dict[str, str] = {}
    for item in field_items(answer):
        path = str(item.get("field", ""))
        name = (rename or {}).get(path) or form_field(path)
        if wanted is None or name in wanted:
            errors.setdefault(name, field_message(visit, item))
    if not errors and default_field:
        errors[default_field] = problem_text(visit, answer)
    return errors
