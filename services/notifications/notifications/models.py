"""Imports every model so the metadata is complete (migrations, tests)."""

from notifications.devices.models import DeviceCopy  # noqa: F401
from notifications.emails.models import Email, EmailAttempt  # noqa: F401
from notifications.recipients.models import Recipient  # noqa: F401
