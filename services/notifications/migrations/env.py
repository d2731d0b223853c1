import notifications.models  # noqa: F401  (registers every table)
from notifications.database import Base
from shared.migrations import run_env

run_env(Base.metadata)
