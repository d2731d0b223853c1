"""The categories each case type accepts, and the department each type went to before any rule was set
(F-10). Which department works a new case is decided by the routing rules (`cases.departments.rules`); this
map seeded them and stays their fallback."""

from shared.events.vocabulary import CaseType, Department

INCIDENT_CATEGORIES = (
    "paper_jam",
    "print_quality",
    "error_code",
    "network_scanning",
    "noise_damage",
    "device_offline",
    "other",
)
# An account inquiry's category is its topic; consumables orders, relocations and removals have none of their
# own and carry their type as category.
ACCOUNT_INQUIRY_TOPICS = ("invoice", "contract", "billing", "other")

# The categories a routing rule may name for each type: a type whose category is the type itself has only its
# default rule.
CATEGORIES_BY_TYPE: dict[CaseType, tuple[str, ...]] = {
    CaseType.INCIDENT: INCIDENT_CATEGORIES,
    CaseType.CONSUMABLES: (),
    CaseType.RELOCATION: (),
    CaseType.REMOVAL: (),
    CaseType.ACCOUNT_INQUIRY: ACCOUNT_INQUIRY_TOPICS,
}

DEPARTMENT_BY_TYPE = {
    CaseType.INCIDENT: Department.TECHNICAL_SUPPORT,
    CaseType.CONSUMABLES: Department.SUPPLIES,
    CaseType.RELOCATION: Department.LOGISTICS,
    CaseType.REMOVAL: Department.LOGISTICS,
    CaseType.ACCOUNT_INQUIRY: Department.ACCOUNTS,
}


def default_department(case_type: str) -> str:
    return DEPARTMENT_BY_TYPE[CaseType(case_type)]
