import meters.models  # noqa: F401  (registers every table)
from meters.database import Base
from shared.migrations import run_env

run_env(Base.metadata)
