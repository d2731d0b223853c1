"""Which department works a case (F-10), and the categories each type accepts."""

from shared.events.vocabulary import CaseType, Department

INCIDENT_CATEGORIES = (
    "paper_jam",
    "print_quality",
    "error_code",
    "network_scanning",
    "noise_damage",
    "other",
)
# An account inquiry's category is its topic; consumables orders, relocations and removals have none of their
# own and carry their type as category.
ACCOUNT_INQUIRY_TOPICS = ("invoice", "contract", "billing", "other")

DEPARTMENT_BY_TYPE = {
    CaseType.INCIDENT: Department.TECHNICAL_SUPPORT,
    CaseType.CONSUMABLES: Department.SUPPLIES,
    CaseType.RELOCATION: Department.LOGISTICS,
    CaseType.REMOVAL: Department.LOGISTICS,
    CaseType.ACCOUNT_INQUIRY: Department.ACCOUNTS,
}


def department_for(case_type: str, category: str) -> str:
    # Routing is by type today; the category is passed so finer rules (F-42) can use it.
    return DEPARTMENT_BY_TYPE[CaseType(case_type)]
