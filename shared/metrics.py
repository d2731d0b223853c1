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
EVENTS_PARKED = Counter(
    "events_parked_total", "Events parked by this process, by the kind of reason", ["queue", "reason"]
)
# What the consumers' autoscaler reads (deploy/k8s): the broker's ready messages, as each replica last saw them, and
# the deliveries each replica holds unsettled (up to its prefetch). Their sum is the queue's whole backlog.
QUEUE_READY = Gauge("bus_queue_ready_messages", "Messages ready in the service's queue", ["queue"])
IN_HAND = Gauge("bus_messages_in_hand", "Deliveries this process holds unsettled", ["queue"])
CONSUMER_PAUSED = Gauge(
    "bus_consumer_paused", "1 while this process holds its deliveries until a dependency is back", ["queue"]
)
MESSAGING_PRUNED = Counter(
    "messaging_rows_pruned_total", "Sent outbox rows and inbox rows deleted by retention", ["table"]
)
