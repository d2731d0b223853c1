import accounts.models  # noqa: F401  (registers every table)
from accounts.database import Base
from shared.migrations import run_env

run_env(Base.metadata)
