from shared.config import ServiceSettings

DEV_SECRET = "dev-change-me"  # noqa: S105 (the development default a production start refuses)


class Settings(ServiceSettings):
    secret_fields = ("session_secret",)
    service_name: str = "gateway"
    port: int = 8000
    # The gateway owns no database (stateless); this placeholder keeps the base class from creating a SQLite file.
    database_url: str = "none://stateless"
    # The gateway is the public entry: it believes a client's X-Forwarded-For only from the proxies listed here
    # (an ingress in front of it; addresses or networks), none by default.
    forwarded_allow_ips: str = ""

    accounts_url: str = "http://127.0.0.1:8001"
    cases_url: str = "http://127.0.0.1:8002"
    meters_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"

    # The port of the gateway's own metrics for the scraper (0: none), apart from the public one.
    metrics_port: int = 0

    cookie_secure: bool = True
    # Signs the CSRF tokens (signed double-submit cookie).
    session_secret: str = DEV_SECRET
    # Refresh cookie lifetime; the accounts service decides whether the refresh token is still valid.
    refresh_cookie_max_age_seconds: int = 14 * 24 * 3600
    # Refresh the access token when it expires within this many seconds.
    refresh_margin_seconds: int = 30
    upstream_timeout_seconds: float = 15.0
    upstream_max_connections: int = 500

    def service_urls(self) -> dict[str, str]:
        return {
            "accounts": self.accounts_url,
            "cases": self.cases_url,
            "meters": self.meters_url,
            "notifications": self.notifications_url,
        }
