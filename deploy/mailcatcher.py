"""A local mail catcher for `make run`: an SMTP server that keeps every message as a file under var/mail/
(one .eml each) and prints one line per message."""

import argparse
import asyncio
import email
import email.policy
import time
from pathlib import Path

from aiosmtpd.controller import Controller

REPO_ROOT = Path(__file__).resolve().parent.parent


class KeepAsFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        path = self.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:04d}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        print(f"mail: to {', '.join(envelope.rcpt_tos)} | {message['subject']} | {shown}", flush=True)
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--directory", type=Path, default=REPO_ROOT / "var" / "mail")
    args = parser.parse_args()
    controller = Controller(KeepAsFiles(args.directory), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(
        f"mail catcher listening on 127.0.0.1:{args.port}, keeping messages in {args.directory}", flush=True
    )
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
