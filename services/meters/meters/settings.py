from shared.config import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "meters"
    port: int = 8003
    # F-25: a reminder goes out this many days before a reading request's due date; the job looks this often.
    reminder_days_before: int = 2
    reminder_interval_seconds: float = 60.0
