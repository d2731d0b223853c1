"""Imports every model so the metadata is complete (migrations, tests)."""

from accounts.audit.models import AuditEntry  # noqa: F401
from accounts.auth.models import PasswordResetToken, ThrottleCounter, UserSession  # noqa: F401
from accounts.customer_accounts.models import Account  # noqa: F401
from accounts.devices.models import Device, DeviceAssignment  # noqa: F401
from accounts.finance.models import CreditStatusChange, Payment  # noqa: F401
from accounts.invitations.models import Invitation  # noqa: F401
from accounts.registrations.models import Registration  # noqa: F401
from accounts.users.models import Membership, User  # noqa: F401
