"""A service's database and its migrations:

    python -m shared.migrate <service>          upgrade the database to the newest migration
    python -m shared.migrate <service> --wait   wait, changing nothing, until someone else has done so

Exactly one process upgrades (compose's <service>-migrate job, Kubernetes' migration Job); every replica of the
service waits for it with `--wait` (an init container), so replicas starting together never race to migrate and a
new version never runs on the old schema."""

import argparse
import asyncio
import importlib
import sys
import time
from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from shared.config import REPO_ROOT


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(service: str, database_url: str) -> None:
    command.upgrade(alembic_config(service, database_url), "head")


def newest_revisions(service: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(service, "")).get_heads())


async def current_revisions(database_url: str) -> set[str]:
    """The revisions the database is at (empty for a database never migrated)."""
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:

            def heads(sync_connection: Connection) -> set[str]:
                return set(MigrationContext.configure(sync_connection).get_current_heads())

            return await connection.run_sync(heads)
    finally:
        await engine.dispose()


def wait_until_migrated(
    service: str,
    database_url: str,
    *,
    timeout: float,
    interval: float = 2.0,
    say: Callable[[str], object] = print,
) -> None:
    """Return once the database is at the newest migration; SystemExit after `timeout` seconds. An unreachable
    database counts as not yet migrated (it may be starting too)."""
    newest, deadline, last = newest_revisions(service), time.monotonic() + timeout, None
    while True:
        try:
            current: set[str] | str = asyncio.run(current_revisions(database_url))
        except (OSError, DBAPIError) as exc:
            current = f"unreachable ({type(exc).__name__})"
        if current == newest:
            say(f"{service}: database at the newest migration {', '.join(sorted(newest))}")
            return
        if current != last:
            shown = current if isinstance(current, str) else ", ".join(sorted(current)) or "none"
            say(f"{service}: database at {shown}, waiting for the migration to {', '.join(sorted(newest))}")
            last = current
        if time.monotonic() >= deadline:
            raise SystemExit(f"{service}: the database was not migrated within {timeout:.0f}s")
        time.sleep(interval)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m shared.migrate",
        description="Upgrade a service's database, or wait until it is upgraded.",
    )
    parser.add_argument("service")
    parser.add_argument("--wait", action="store_true", help="wait for the migration instead of running it")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait (default 600)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    settings = importlib.import_module(f"{args.service}.settings").Settings()
    if args.wait:
        wait_until_migrated(args.service, settings.database_url, timeout=args.timeout)
        return
    upgrade(args.service, settings.database_url)
    print(f"{args.service}: database at the newest migration")


if __name__ == "__main__":
    main()
