"""Imports every model so the metadata is complete (migrations, tests)."""

from meters.audit.models import AuditEntry  # noqa: F401
from meters.devices.models import Account, Device, DeviceAssignment, Membership, User  # noqa: F401
from meters.readings.models import CounterCorrection, Reading, RejectedReading  # noqa: F401
from meters.requests.models import ReadRequest, ReadRequestDevice  # noqa: F401
