"""Display names of the services' codes (statuses, types, categories...). Marked with N_ for extraction;
translated at render time in the visitor's language."""


def N_(message: str) -> str:
    return message


STATUSES = {
    "new": N_("New"),
    "in_progress": N_("In progress"),
    "waiting_for_customer": N_("Waiting for customer"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}
OPEN_STATUSES = ("new", "in_progress", "waiting_for_customer")

TYPES = {
    "incident": N_("Incident"),
    "consumables": N_("Consumables order"),
    "relocation": N_("Relocation"),
    "removal": N_("Removal"),
    "account_inquiry": N_("Account inquiry"),
}

CATEGORIES = {
    "paper_jam": N_("Paper jam"),
    "print_quality": N_("Print quality"),
    "error_code": N_("Error code"),
    "network_scanning": N_("Network or scanning"),
    "noise_damage": N_("Noise or physical damage"),
    "other": N_("Other"),
}

# The action a button performs to reach each status (on the case page).
TRANSITIONS = {
    "new": N_("Reopen"),
    "in_progress": N_("Mark in progress"),
    "waiting_for_customer": N_("Wait for customer"),
    "resolved": N_("Mark resolved"),
    "closed": N_("Close case"),
    "cancelled": N_("Cancel case"),
}

ROLES = {
    "administrator": N_("Administrator"),
    "device_manager": N_("Device Manager"),
    "stock_manager": N_("Stock Manager"),
    "device_stock_manager": N_("Device & Stock Manager"),
    "knowledge_user": N_("Knowledge User"),
    "agent": N_("Agent"),
    "supervisor": N_("Supervisor"),
}

LANGUAGE_NAMES = {"en": "English", "es": "Español", "sv": "Svenska"}  # each in its own language, never translated

NOTIFICATION_KINDS = {
    "case_created": N_("A case is created"),
    "case_status_changed": N_("A case changes status"),
    "case_message": N_("The vendor sends a message on a case"),
    "case_resolved": N_("A case is resolved"),
    "reading_accepted": N_("A meter reading is accepted"),
    "reading_requested": N_("Meter readings are requested"),
    "order_shipped": N_("An order is shipped"),
}

COUNTERS = {
    "black": N_("Black & white"),
    "colour": N_("Colour"),
    "large": N_("Large format"),
}

ACTOR_SIDES = {"customer": N_("Customer"), "vendor": N_("Service team"), "system": N_("System")}

# Who or what submitted a meter reading (F-23).
READING_SOURCES = {
    "customer": N_("Customer"),
    "automatic": N_("Automatic collection"),
    "agent": N_("Service team"),
    "estimate": N_("Estimate"),
}
# Customer roles that may submit meter readings (the meters service decides; this only decides whether to show the form).
READING_ROLES = ("administrator", "device_manager", "device_stock_manager")

CORRECTION_KINDS = {
    "counter_reset": N_("Counter reset"),
    "device_replacement": N_("Device replacement"),
}

REVIEW_RESOLUTIONS = {
    "dismissed": N_("Dismiss"),
    "accepted_as_agent": N_("Accept as agent reading"),
}

KINDS = {"status": STATUSES, "type": TYPES, "category": CATEGORIES, "transition": TRANSITIONS, "role": ROLES,
         "notification": NOTIFICATION_KINDS, "counter": COUNTERS, "side": ACTOR_SIDES,
         "source": READING_SOURCES, "correction": CORRECTION_KINDS, "resolution": REVIEW_RESOLUTIONS}
