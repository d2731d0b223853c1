"""Notifications: the local copy of recipients and the email delivery log (SPEC F-60, F-61)."""
