from cases.database import Base
import cases.models  # noqa: F401  (registers every table)
from shared.migrations import run_env

run_env(Base.metadata)
