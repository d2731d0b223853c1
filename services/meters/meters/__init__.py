"""Meter readings: counters per device, readings, reading requests (SPEC F-20 to F-26)."""
