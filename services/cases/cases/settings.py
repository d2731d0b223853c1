from shared.config import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "cases"
    port: int = 8002
    # A resolved case closes itself after this many days (F-14); the job looks for such cases this often.
    auto_close_after_days: int = 14
    auto_close_interval_seconds: float = 600.0
    # The response time, in business hours, of a case with no device and so no contract to set one: an account
    # inquiry (F-33) is answered within two business days, the contracts' longest response time (F-12).
    account_inquiry_response_hours: int = 16
    # How often the alerts job looks for cases close to or past their response due time (F-12, F-40).
    sla_alert_interval_seconds: float = 60.0
    # A self-help run nobody answered for this long is abandoned where it stopped (F-16); the job looks this often.
    guide_run_abandoned_after_minutes: int = 60
    guide_run_abandon_interval_seconds: float = 300.0
    # A device offline this many days gets a technical-support case of its own, once per outage; the job looks
    # for such devices this often.
    offline_case_after_days: int = 3
    offline_case_interval_seconds: float = 300.0
    # A toner colour is running low at or below this level, or when it runs out within this many days.
    toner_low_percent: int = 20
    toner_low_days: int = 14
