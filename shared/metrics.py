"""Prometheus metrics shared by every service (one registry per process)."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["method", "route", "status"]
)
EVENTS_PUBLISHED = Counter("events_published_total", "Events published to the broker", ["type"])
EVENTS_UNROUTABLE = Counter("events_unroutable_total", "Published events no queue was bound for", ["type"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Events handled", ["type", "outcome"])
OUTBOX_LAG = Gauge("outbox_lag_seconds", "Age of the oldest unsent outbox row when the relay last looked")
EMAILS = Counter("emails_total", "Email delivery attempts", ["kind", "outcome"])
