"""Upgrade a service's database to the newest migration: `python -m shared.migrate <service>`."""

import importlib
import sys

from alembic import command
from alembic.config import Config

from shared.config import REPO_ROOT


def upgrade(service: str, database_url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, "head")


def main() -> None:
    service = sys.argv[1]
    settings = importlib.import_module(f"{service}.settings").Settings()
    upgrade(service, settings.database_url)
    print(f"{service}: database at the newest migration")


if __name__ == "__main__":
    main()
