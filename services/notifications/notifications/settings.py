from pydantic import Field

from shared.config import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "notifications"
    port: int = 8004

    smtp_host: str = "localhost"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    # The connection is kept open from one email to the next while there is work, closed after this long idle.
    smtp_keepalive_seconds: float = 10.0
    # Emails sent at once, each on its own SMTP connection (PostgreSQL only). Each sender sends one email at a time
    # and records it before the next, so its pace is set by the round trips to the database and the mail server;
    # on a busy machine one sender fell behind 50 emails a second, two keep up.
    email_connections: int = Field(default=2, ge=1, le=16)
    mail_from: str = "Self-Service Portal <no-reply@selfservice.example>"

    # Retries of a refused email: 0.5 s doubling up to 60 s; given up (status failed) after this long.
    email_retry_base_seconds: float = 0.5
    email_retry_max_seconds: float = 60.0
    email_give_up_after_hours: float = 72.0
    # The periodic pass of the sender, besides being woken right after each commit that queued emails.
    email_idle_interval_seconds: float = 5.0
