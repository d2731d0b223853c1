from shared.config import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "cases"
    port: int = 8002
    # A resolved case closes itself after this many days (F-14); the job looks for such cases this often.
    auto_close_after_days: int = 14
    auto_close_interval_seconds: float = 600.0
