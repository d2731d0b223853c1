"""The closed sets of words the services and the vendor's systems share: roles, case types and statuses,
departments, reading sources, kinds of email. Their values are the wire format of the events and the APIs;
application code names them through these enums, never as string literals."""

from enum import StrEnum


class CustomerRole(StrEnum):
    """A user's role in one customer account (SPEC §1)."""

    ADMINISTRATOR = "administrator"
    DEVICE_MANAGER = "device_manager"
    STOCK_MANAGER = "stock_manager"
    DEVICE_STOCK_MANAGER = "device_stock_manager"
    KNOWLEDGE_USER = "knowledge_user"


class StaffRole(StrEnum):
    """The vendor's people (SPEC §1)."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"


class CaseType(StrEnum):
    INCIDENT = "incident"
    CONSUMABLES = "consumables"
    RELOCATION = "relocation"
    REMOVAL = "removal"
    ACCOUNT_INQUIRY = "account_inquiry"


class CaseStatus(StrEnum):
    """The status workflow (F-14)."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Department(StrEnum):
    """Who works a case (F-10)."""

    TECHNICAL_SUPPORT = "technical_support"
    SUPPLIES = "supplies"
    LOGISTICS = "logistics"
    ACCOUNTS = "accounts"


class Side(StrEnum):
    """Which side of the portal did something: the customer's users or the vendor's staff."""

    CUSTOMER = "customer"
    VENDOR = "vendor"


class ReadingSource(StrEnum):
    """Who or what submitted a meter reading (F-23)."""

    CUSTOMER = "customer"
    AUTOMATIC = "automatic"
    AGENT = "agent"
    ESTIMATE = "estimate"


class NotificationKind(StrEnum):
    """The kinds of message a user may switch off (F-04, F-60); security messages are always sent."""

    CASE_CREATED = "case_created"
    CASE_STATUS_CHANGED = "case_status_changed"
    CASE_MESSAGE = "case_message"
    CASE_RESOLVED = "case_resolved"
    READING_ACCEPTED = "reading_accepted"
    READING_REQUESTED = "reading_requested"
    ORDER_SHIPPED = "order_shipped"
    DEVICE_OFFLINE = "device_offline"


class EmailKind(StrEnum):
    """Every email `notifications` sends; each has its templates."""

    CASE_CREATED = "case_created"
    CASE_STATUS_CHANGED = "case_status_changed"
    CASE_RESOLVED = "case_resolved"
    CASE_MESSAGE = "case_message"
    EMAIL_VERIFICATION = "email_verification"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of email, not a secret)
    INVITATION = "invitation"
    REGISTRATION_AWAITING_APPROVAL = "registration_awaiting_approval"
    READING_ACCEPTED = "reading_accepted"
    READ_REQUEST_OPENED = "read_request_opened"
    READ_REQUEST_REMINDED = "read_request_reminded"
    ORDER_SHIPPED = "order_shipped"
    VISIT_SCHEDULED = "visit_scheduled"
    CASE_SLA_WARNING = "case_sla_warning"  # to staff: less than one business hour left to respond
    CASE_SLA_BREACHED = "case_sla_breached"  # to staff: the response is overdue
    DEVICE_OFFLINE = "device_offline"  # to the device's managers: the fleet software lost the device


class DeviceAction(StrEnum):
    """What a caller may do with a device (the `allowed_actions` of the accounts service's device answers)."""

    REPORT_PROBLEM = "report_problem"
    SUBMIT_READING = "submit_reading"
    ORDER_SUPPLIES = "order_supplies"
    REQUEST_RELOCATION = "request_relocation"
    REQUEST_REMOVAL = "request_removal"
    UPDATE_LOCATION = "update_location"
    RECORD_CORRECTION = "record_correction"


class CaseAction(StrEnum):
    """What a caller may do on a case besides reading it (the cases service's `allowed_actions`)."""

    REPLY = "reply"
    ADD_INTERNAL_NOTE = "add_internal_note"
    CANCEL = "cancel"
    REOPEN = "reopen"
    CHANGE_STATUS = "change_status"
    ASSIGN = "assign"  # to a colleague of the case's department (a supervisor: to anyone of the staff)
    ASSIGN_TO_SELF = "assign_to_self"
    UNASSIGN = "unassign"
    RELEASE_ORDER = (
        "release_order"  # a consumables order waiting because its account's credit is on hold (F-41)
    )


class CalendarDayKind(StrEnum):
    """A day on which a business-hours calendar departs from its week (F-42)."""

    CLOSED = "closed"
    EXTRA_OPEN = "extra_open"


class CalendarAction(StrEnum):
    """What a caller may do with a business-hours calendar (the cases service's `allowed_actions`, F-42)."""

    SET_HOURS = "set_hours"
    EDIT_DAYS = "edit_days"  # add and remove closed days and extra open days
    ASSIGN_ACCOUNTS = "assign_accounts"  # give an account this calendar instead of its country's


class UserAction(StrEnum):
    """What an administrator (or the vendor's staff) may do to a user of an account."""

    CHANGE_ROLE = "change_role"
    ASSIGN_DEVICES = "assign_devices"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    CANCEL_INVITATION = "cancel_invitation"


class PortalAction(StrEnum):
    """What a caller may start at all, for the dashboard and the menus (the accounts service's `/me`)."""

    REPORT_PROBLEM = "report_problem"
    SUBMIT_READING = "submit_reading"
    ORDER_SUPPLIES = "order_supplies"
    ASK_ABOUT_ACCOUNT = "ask_about_account"
    MANAGE_USERS = "manage_users"
    WORK_CASES = "work_cases"
    MANAGE_ANY_ACCOUNT = "manage_any_account"  # the vendor's staff, on any account they name
    MANAGE_ROUTING = "manage_routing"  # supervisors: departments, their members and the routing rules (F-42)
    VIEW_REPORTS = "view_reports"  # supervisors: the service-level report (F-12, F-42)
    MANAGE_GUIDES = (
        "manage_guides"  # supervisors: write, publish and measure the self-help guides (F-16, F-42)
    )


class DepartmentAction(StrEnum):
    """What a caller may do with a department's members (the cases service's `allowed_actions`, F-42)."""

    ADD_MEMBER = "add_member"
    REMOVE_MEMBER = "remove_member"


class RoutingRuleAction(StrEnum):
    """What a caller may do with the routing rules (the cases service's `allowed_actions`, F-42): add a rule,
    change one's department, delete one (never a type's default rule)."""

    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


class GuideStatus(StrEnum):
    """Where a self-help guide stands (F-16, F-42): a draft nobody but supervisors reads, or published (a draft
    may also wait on top of a published version, which customers keep reading until it is published)."""

    DRAFT = "draft"
    PUBLISHED = "published"


class GuideAction(StrEnum):
    """What a caller may do with a self-help guide (the cases service's `allowed_actions`, F-42)."""

    EDIT = "edit"
    PUBLISH = "publish"


class GuideRunOutcome(StrEnum):
    """How a run through a self-help guide ended (F-16): the customer answered "solved"; it ended in a case (or a
    case for the same device and category followed a "solved" within 72 hours); or it was left unfinished."""

    SOLVED = "solved"
    ESCALATED = "escalated"
    ABANDONED = "abandoned"


class GuideAnswer(StrEnum):
    """The customer's answer to one step of a guide."""

    SOLVED = "solved"
    NOT_SOLVED = "not_solved"


class ErrorCodeFamily(StrEnum):
    """The kinds of code a device shows (F-16), by the letter before its number: J jam codes, C replace-a-consumable
    codes, E service-call codes (which need a technician: they skip self-help and go straight to a case)."""

    JAM = "jam"
    CONSUMABLE = "consumable"
    SERVICE_CALL = "service_call"
