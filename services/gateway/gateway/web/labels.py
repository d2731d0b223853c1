"""Display names of the services' codes (statuses, types, categories...). Marked with N_ for extraction;
translated at render time in the visitor's language."""

from shared.events.vocabulary import CalendarDayKind, CaseStatus, CustomerRole, ReadingSource, StaffRole


def N_(message: str) -> str:
    return message


STATUSES: dict[str, str] = {
    CaseStatus.NEW: N_("New"),
    CaseStatus.IN_PROGRESS: N_("In progress"),
    CaseStatus.WAITING_FOR_CUSTOMER: N_("Waiting for customer"),
    CaseStatus.RESOLVED: N_("Resolved"),
    CaseStatus.CLOSED: N_("Closed"),
    CaseStatus.CANCELLED: N_("Cancelled"),
}
OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_FOR_CUSTOMER)

TYPES = {
    "incident": N_("Incident"),
    "consumables": N_("Consumables order"),
    "relocation": N_("Relocation"),
    "removal": N_("Removal"),
    "account_inquiry": N_("Account inquiry"),
}

INCIDENT_CATEGORIES = {
    "paper_jam": N_("Paper jam"),
    "print_quality": N_("Print quality"),
    "error_code": N_("Error code"),
    "network_scanning": N_("Network or scanning"),
    "noise_damage": N_("Noise or physical damage"),
    "device_offline": N_("Device offline"),
    "other": N_("Other"),
}

# Which department works a case (the cases service's routing).
DEPARTMENTS = {
    "technical_support": N_("Technical support"),
    "supplies": N_("Supplies"),
    "logistics": N_("Logistics"),
    "accounts": N_("Accounts department"),
}

# A model's class in the vendor's CRM.
MODEL_CLASSES = {
    "mono": N_("Black and white"),
    "colour": N_("Colour"),
    "a3_colour": N_("A3 colour"),
}

# The action a button performs to reach each status (on the case page).
TRANSITIONS: dict[str, str] = {
    CaseStatus.NEW: N_("Reopen"),
    CaseStatus.IN_PROGRESS: N_("Mark in progress"),
    CaseStatus.WAITING_FOR_CUSTOMER: N_("Wait for customer"),
    CaseStatus.RESOLVED: N_("Mark resolved"),
    CaseStatus.CLOSED: N_("Close case"),
    CaseStatus.CANCELLED: N_("Cancel case"),
}

ROLES: dict[str, str] = {
    CustomerRole.ADMINISTRATOR: N_("Administrator"),
    CustomerRole.DEVICE_MANAGER: N_("Device Manager"),
    CustomerRole.STOCK_MANAGER: N_("Stock Manager"),
    CustomerRole.DEVICE_STOCK_MANAGER: N_("Device & Stock Manager"),
    CustomerRole.KNOWLEDGE_USER: N_("Knowledge User"),
    StaffRole.AGENT: N_("Agent"),
    StaffRole.SUPERVISOR: N_("Supervisor"),
}

# The roles an administrator may give a user of the account (F-34), in the order the selects offer them.
CUSTOMER_ROLES = tuple(CustomerRole)

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "sv": "Svenska",
}  # each in its own language, never translated

NOTIFICATION_KINDS = {
    "case_created": N_("A case is created"),
    "case_status_changed": N_("A case changes status"),
    "case_message": N_("The vendor sends a message on a case"),
    "case_resolved": N_("A case is resolved"),
    "reading_accepted": N_("A meter reading is accepted"),
    "reading_requested": N_("Meter readings are requested"),
    "order_shipped": N_("An order is shipped"),
    "device_offline": N_("A device I look after goes offline"),
}

# Every kind of email the notifications service sends: the preferences above and those a person cannot turn off.
EMAIL_KINDS = {
    **NOTIFICATION_KINDS,
    "email_verification": N_("Email address confirmation"),
    "password_reset": N_("Password reset"),
    "invitation": N_("Invitation"),
    "registration_awaiting_approval": N_("A registration awaits approval"),
    "read_request_opened": N_("Meter readings are requested"),
    "read_request_reminded": N_("Reminder of requested meter readings"),
    "visit_scheduled": N_("A technician's visit is scheduled"),
}

COUNTERS = {
    "black": N_("Black & white"),
    "colour": N_("Colour"),
    "large": N_("Large format"),
}

ACTOR_SIDES = {"customer": N_("Customer"), "vendor": N_("Service team"), "system": N_("System")}

# Who or what submitted a meter reading (F-23).
READING_SOURCES: dict[str, str] = {
    ReadingSource.CUSTOMER: N_("Customer"),
    ReadingSource.AUTOMATIC: N_("Automatic collection"),
    ReadingSource.AGENT: N_("Service team"),
    ReadingSource.ESTIMATE: N_("Estimate"),
}

CORRECTION_KINDS = {
    "counter_reset": N_("Counter reset"),
    "device_replacement": N_("Device replacement"),
}

REVIEW_RESOLUTIONS = {
    "dismissed": N_("Dismiss"),
    "accepted_as_agent": N_("Accept as agent reading"),
}

# What an entry of an account's audit trail records (the accounts service's action codes).
AUDIT_ACTIONS = {
    "account.upserted": N_("Account data updated"),
    "device.assigned": N_("Device assigned"),
    "device.unassigned": N_("Device unassigned"),
    "device.upserted": N_("Device updated"),
    "device.removed": N_("Device removed"),
    "device.location_changed": N_("Device location changed"),
    "invitation.issued": N_("Invitation sent"),
    "invitation.accepted": N_("Invitation accepted"),
    "invitation.cancelled": N_("Invitation cancelled"),
    "invitation.resent": N_("Invitation sent again"),
    "membership.set": N_("Role set"),
    "membership.deactivated": N_("User deactivated on the account"),
    "membership.reactivated": N_("User reactivated on the account"),
    "membership.removed": N_("User removed from the account"),
    "registration.approved": N_("Registration approved"),
    "registration.refused": N_("Registration refused"),
    "user.created": N_("User created"),
    "user.deactivated": N_("User deactivated"),
    "user.password_reset": N_("Password reset"),
    "user.password_changed": N_("Password changed"),
    "user.profile_changed": N_("Profile changed"),
}

# The kinds of change an account's audit trail can be filtered by (the first part of the action code).
AUDIT_KINDS = {
    "membership": N_("Users and roles"),
    "invitation": N_("Invitations"),
    "device": N_("Devices"),
    "registration": N_("Registrations"),
    "account": N_("Account data"),
    "user": N_("Profiles and passwords"),
}

# Each audit entry as a sentence: %(actor)s who did it, %(user)s the person and %(device)s the device it concerns,
# %(role)s the role given.
AUDIT_SENTENCES = {
    "account.upserted": N_("%(actor)s updated the account's data"),
    "device.assigned": N_("%(actor)s assigned %(device)s to %(user)s"),
    "device.unassigned": N_("%(actor)s took %(device)s away from %(user)s"),
    "device.upserted": N_("%(actor)s updated the data of %(device)s"),
    "device.removed": N_("%(actor)s removed %(device)s"),
    "device.location_changed": N_("%(actor)s changed the location of %(device)s"),
    "invitation.issued": N_("%(actor)s invited %(user)s as %(role)s"),
    "invitation.resent": N_("%(actor)s sent the invitation to %(user)s again"),
    "invitation.accepted": N_("%(user)s accepted the invitation"),
    "invitation.cancelled": N_("%(actor)s withdrew the invitation of %(user)s"),
    "membership.set": N_("%(actor)s gave %(user)s the role %(role)s"),
    "membership.deactivated": N_("%(actor)s deactivated %(user)s"),
    "membership.reactivated": N_("%(actor)s reactivated %(user)s"),
    "membership.removed": N_("%(actor)s removed %(user)s from the account"),
    "registration.approved": N_("%(actor)s approved the registration of %(user)s as %(role)s"),
    "registration.refused": N_("%(actor)s declined a registration"),
    "user.created": N_("%(actor)s created the user %(user)s"),
    "user.deactivated": N_("%(actor)s deactivated %(user)s"),
    "user.password_reset": N_("%(user)s reset their password"),
    "user.password_changed": N_("%(user)s changed their password"),
    "user.profile_changed": N_("%(actor)s changed the profile of %(user)s"),
}

# The names of what an audit entry records (its details) and of the fields a change names.
AUDIT_FIELDS = {
    "account": N_("Account"),
    "account_id": N_("Account"),
    "user_id": N_("User"),
    "email": N_("Email address"),
    "role": N_("Role"),
    "previous_role": N_("Previous role"),
    "device_ids": N_("Devices"),
    "invitation_id": N_("Invitation"),
    "serial": N_("Serial number"),
    "fields": N_("Changed"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "language": N_("Language"),
    "time_zone": N_("Time zone"),
    "notification_preferences": N_("Email notifications"),
    "active": N_("Active"),
    "country": N_("Country"),
    "street": N_("Street and number"),
    "postal_code": N_("Postal code"),
    "city": N_("City"),
    "region": N_("Region"),
    "building": N_("Building"),
    "floor": N_("Floor"),
    "room": N_("Room"),
    "contact_name": N_("Contact person"),
    "contact_phone": N_("Contact phone"),
    "model": N_("Model"),
    "model_class": N_("Model class"),
    "contract_number": N_("Contract number"),
    "response_time_hours": N_("Response time (hours)"),
    "daily_volume": N_("Pages per day"),
    "staff_role": N_("Staff role"),
    "sessions_ended": N_("Other sessions ended"),
}

# F-30: the kinds of consumables in a model's catalogue (the vendor's CRM codes).
CONSUMABLE_KINDS = {
    "toner_black": N_("Black toner"),
    "toner_cyan": N_("Cyan toner"),
    "toner_magenta": N_("Magenta toner"),
    "toner_yellow": N_("Yellow toner"),
    "drum": N_("Drum"),
    "waste_toner_box": N_("Waste toner box"),
    "staples": N_("Staples"),
}

# The toner colours the fleet software reports levels of.
TONER_COLOURS = {
    "black": N_("Black"),
    "cyan": N_("Cyan"),
    "magenta": N_("Magenta"),
    "yellow": N_("Yellow"),
}

# F-33: what an account inquiry is about.
INQUIRY_TOPICS = {
    "invoice": N_("Invoice"),
    "contract": N_("Contract"),
    "billing": N_("Billing"),
    "other": N_("Other question"),
}

# A case's category: an incident's own, an inquiry's topic, and for the other types their type (see the cases
# service's routing), so that no case shows a bare code.
CATEGORIES = {
    **{kind: TYPES[kind] for kind in ("consumables", "relocation", "removal")},
    **{topic: label for topic, label in INQUIRY_TOPICS.items() if topic != "other"},
    **INCIDENT_CATEGORIES,
}

# F-32: when the technicians may come, and how the moved device gets its network address.
TIME_WINDOWS = {
    "morning": N_("Morning"),
    "afternoon": N_("Afternoon"),
    "all_day": N_("Any time of the day"),
}
IP_MODES = {
    "dhcp": N_("Automatic address (DHCP)"),
    "static": N_("Fixed address (static IP)"),
}

# What the logistics and field service systems report on a case's timeline.
SHIPMENT_STATUSES = {
    "accepted": N_("Order accepted by logistics"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
}
VISIT_STATUSES = {
    "scheduled": N_("Visit scheduled"),
    "on_site": N_("Technician on site"),
    "done": N_("Visit done"),
}
# What an entry of a case's timeline is.
TIMELINE_KINDS = {
    "created": N_("Case opened"),
    "status_changed": N_("Status changed"),
    "message": N_("Message"),
    "note": N_("Internal note"),
    "shipment": N_("Shipment"),
    "visit": N_("Technician visit"),
}
# Where a registration stands (F-01) and where an email stands in the notifications service.
REGISTRATION_STATUSES = {
    "pending_verification": N_("Email address not yet confirmed"),
    "awaiting_approval": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
}
EMAIL_STATUSES = {"pending": N_("Waiting to be sent"), "sent": N_("Sent"), "failed": N_("Not delivered")}
# The vendor's systems that write on a case: they have no name, so the page names them.
MACHINE_ACTORS = {"logistics": N_("Logistics"), "fieldservice": N_("Field service")}

# The days on which a business-hours calendar departs from its week (F-42).
CALENDAR_DAY_KINDS: dict[str, str] = {
    CalendarDayKind.CLOSED: N_("Closed day"),
    CalendarDayKind.EXTRA_OPEN: N_("Extra open day"),
}

REQUEST_TYPES = ("relocation", "removal", "account_inquiry")

# The case list's filters that stand for several values at once (the dashboard's "see all" links, F-71):
# the value in the address, what the cases service is asked for, and its name in the filter.
STATUS_GROUPS: dict[str, tuple[str, ...]] = {"open": OPEN_STATUSES}
TYPE_GROUPS: dict[str, tuple[str, ...]] = {"requests": REQUEST_TYPES}
GROUP_NAMES = {"open": N_("Open (any)"), "requests": N_("Relocation, removal or account inquiry")}

# The vendor's finance data (F-41), shown to its staff only.
CREDIT_STATUSES = {"good": N_("Good standing"), "watch": N_("On watch"), "hold": N_("On hold")}
PAYMENT_METHODS = {
    "bank_transfer": N_("Bank transfer"),
    "direct_debit": N_("Direct debit"),
    "card": N_("Card"),
    "cheque": N_("Cheque"),
    "cash": N_("Cash"),
    "other": N_("Other"),
}
# The CRM's addresses and contacts of an account (F-34).
ADDRESS_KINDS = {
    "head_office": N_("Head office"),
    "billing": N_("Billing address"),
    "shipping": N_("Delivery address"),
    "site": N_("Site"),
}
CONTACT_TOPICS = {
    "general": N_("General"),
    "billing": INQUIRY_TOPICS["billing"],
    "technical": N_("Technical matters"),
    "supplies": N_("Supplies"),
}
# A customer's answer to a step of a self-help guide, and how a run through a guide ended (F-16).
GUIDE_ANSWERS = {"solved": N_("Solved"), "not_solved": N_("Not solved")}
GUIDE_OUTCOMES = {
    "solved": N_("Solved"),
    "escalated": N_("Ended in a case"),
    "abandoned": N_("Left unfinished"),
}

KINDS = {
    "status": STATUSES,
    "type": TYPES,
    "category": CATEGORIES,
    "department": DEPARTMENTS,
    "model_class": MODEL_CLASSES,
    "audit_field": AUDIT_FIELDS,
    "language": LANGUAGE_NAMES,
    "transition": TRANSITIONS,
    "role": ROLES,
    "notification": NOTIFICATION_KINDS,
    "email": EMAIL_KINDS,
    "counter": COUNTERS,
    "side": ACTOR_SIDES,
    "source": READING_SOURCES,
    "correction": CORRECTION_KINDS,
    "resolution": REVIEW_RESOLUTIONS,
    "audit": AUDIT_ACTIONS,
    "audit_kind": AUDIT_KINDS,
    "consumable": CONSUMABLE_KINDS,
    "toner": TONER_COLOURS,
    "topic": INQUIRY_TOPICS,
    "time_window": TIME_WINDOWS,
    "ip_mode": IP_MODES,
    "shipment": SHIPMENT_STATUSES,
    "visit": VISIT_STATUSES,
    "actor": MACHINE_ACTORS,
    "timeline": TIMELINE_KINDS,
    "registration": REGISTRATION_STATUSES,
    "email_status": EMAIL_STATUSES,
    "calendar_day": CALENDAR_DAY_KINDS,
    "credit": CREDIT_STATUSES,
    "payment_method": PAYMENT_METHODS,
    "address_kind": ADDRESS_KINDS,
    "contact_topic": CONTACT_TOPICS,
    "guide_answer": GUIDE_ANSWERS,
    "guide_outcome": GUIDE_OUTCOMES,
}
