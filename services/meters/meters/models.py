"""Imports every model so the metadata is complete (migrations, tests)."""

from meters.devices.models import Device, DeviceAssignment  # noqa: F401
