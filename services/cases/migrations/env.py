import cases.models  # noqa: F401  (registers every table)
from cases.database import Base
from shared.migrations import run_env

run_env(Base.metadata)
