from shared.config import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "meters"
    port: int = 8003
