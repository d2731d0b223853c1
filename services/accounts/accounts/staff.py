"""Create a vendor staff user (agent or supervisor):

    python -m accounts.staff create --email agent@canon.example --name "Ada Agent" --role agent [--password ...]

A password may be given in development and demo only; otherwise an invitation link is printed. The
accounts.user.upserted event is written to the outbox and published by the running service's relay."""

import argparse
import asyncio
import sys

import accounts.models  # noqa: F401  (every mapped class, so relationships resolve)
from accounts.audit.service import SYSTEM, record
from accounts.database import tables
from accounts.invitations.service import create_invitation, invitation_link
from accounts.settings import Settings
from accounts.users.events import publish_user
from accounts.users.passwords import hash_password, password_problem
from accounts.users.service import create_user, user_by_email
from shared.auth import STAFF_ROLES
from shared.db import Database
from shared.events.vocabulary import StaffRole
from shared.outbox import Outbox


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m accounts.staff")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create or update a staff user")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=STAFF_ROLES, default=StaffRole.AGENT)
    create.add_argument("--password")
    create.add_argument("--language", choices=("en", "es", "sv"), default="en")
    return parser.parse_args(argv)


async def create_staff(settings: Settings, args: argparse.Namespace) -> str:
    """Create (or promote) the staff user; returns what to tell the operator."""
    if args.password and settings.environment not in ("development", "demo"):
        raise SystemExit(
            "--password is only allowed in development and demo; omit it to get an invitation link"
        )
    if args.password and (problem := password_problem(args.password, email=args.email)):
        raise SystemExit(f"password refused: {problem}")
    # Hashed before the transaction: the hash is slow on purpose, and a transaction held open meanwhile collides
    # with the running service's writes (on SQLite, the read it began with can then no longer become a write).
    password_hash = await hash_password(args.password) if args.password else None
    db = Database(settings.database_url)
    outbox = Outbox(tables.outbox, source=settings.service_name)
    try:
        async with db.session() as session, session.begin():
            user = await user_by_email(session, args.email)
            if user is None:
                user = create_user(
                    session,
                    SYSTEM,
                    email=args.email,
                    name=args.name,
                    language=args.language,
                    active=True,
                    email_verified=False,
                )
            previous_role, user.staff_role, user.active = user.staff_role, args.role, True
            if password_hash:
                user.password_hash, user.email_verified = password_hash, True
            record(
                session,
                SYSTEM,
                "user.staff_role_set",
                "user",
                user.id,
                changes={"staff_role": (previous_role, args.role)},
                staff_role=args.role,
            )
            await session.flush()
            message = f"staff user {user.email} ({args.role}) ready"
            if not args.password:
                _invitation, token = create_invitation(session, user, None, None)
                message += f"; invitation link: {settings.public_url}{invitation_link(token)}"
            await publish_user(session, outbox, user)
        return message
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    print(asyncio.run(create_staff(Settings(), args)))


if __name__ == "__main__":
    main()
