"""Imports every model so the metadata is complete (migrations, tests)."""

from cases.audit.models import AuditEntry  # noqa: F401
from cases.calendars.models import Calendar, CalendarAssignment, CalendarDay  # noqa: F401
from cases.case.models import (  # noqa: F401
    Case,
    CaseFollower,
    CaseMessage,
    CaseNumberCounter,
    SlaAlert,
    StatusChange,
)
from cases.catalogue.models import ConsumableCatalogue, ConsumableItem  # noqa: F401
from cases.departments.models import DepartmentMember, RoutingRule  # noqa: F401
from cases.directory.models import Account, Device, DeviceAssignment, User  # noqa: F401
from cases.fleet.models import (  # noqa: F401
    DeviceConnection,
    DeviceOutage,
    OnSiteStock,
    OutageCase,
    ShippingInstructions,
    StockReceipt,
    TonerLevel,
)
from cases.fulfilment.models import FulfilmentUpdate  # noqa: F401
from cases.selfhelp.models import Guide, GuideRun, GuideVersion  # noqa: F401
from cases.surveys.models import SurveyAnswer, SurveyLinkKey  # noqa: F401
