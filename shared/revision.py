"""Generate a migration from a service's models: `python -m shared.revision <service> "<message>"`.
It compares the models with a scratch SQLite database brought to head first."""

import sys
import tempfile

from alembic import command
from alembic.config import Config

from shared.config import REPO_ROOT


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        config = Config()
        config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
        config.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{scratch}/scratch.db")
        config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        command.upgrade(config, "head")
        versions = REPO_ROOT / "services" / service / "migrations" / "versions"
        rev_id = f"{len(list(versions.glob('[0-9]*.py'))) + 1:04d}"
        command.revision(config, message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main()
