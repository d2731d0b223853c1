"""Render the broker's definitions with real passwords: `python render_definitions.py TEMPLATE OUTPUT`.

The template (definitions.json beside this file) holds the topology and the users without passwords; each user's
password comes from the environment variable RABBITMQ_<USER>_PASSWORD and is stored as RabbitMQ stores it
(rabbit_password_hashing_sha256: base64 of a 4-byte salt followed by SHA-256 of the salt and the password), so the
plain password never reaches the broker's files. A missing password stops the rendering; with
ENVIRONMENT=production a short one does too. Standard library only: it runs in any service image."""

import base64
import hashlib
import json
import os
import secrets
import sys
from pathlib import Path

MIN_LENGTH = 16  # as the services' own secrets (shared.config.MIN_SECRET_LENGTH)


def password_hash(password: str, salt: bytes | None = None) -> str:
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def password_variable(user: str) -> str:
    return f"RABBITMQ_{user.upper()}_PASSWORD"


def render(template: dict, environ: dict[str, str]) -> dict:
    """The definitions with every user's password hash set; SystemExit naming what is missing or weak."""
    production = environ.get("ENVIRONMENT", "production") == "production"
    problems, rendered = [], json.loads(json.dumps(template))
    for user in rendered["users"]:
        variable = password_variable(user["name"])
        password = environ.get(variable, "")
        if not password:
            problems.append(f"{variable} is not set")
        elif production and (len(password) < MIN_LENGTH or "change-me" in password):
            problems.append(f"{variable} is shorter than {MIN_LENGTH} characters or a placeholder")
        else:
            user["password_hash"] = password_hash(password)
            user["hashing_algorithm"] = "rabbit_password_hashing_sha256"
    if problems:
        raise SystemExit("refusing to render the broker's definitions: " + "; ".join(problems))
    return rendered


def main(argv: list[str]) -> None:
    template, output = Path(argv[0]), Path(argv[1])
    rendered = render(json.loads(template.read_text()), dict(os.environ))
    output.write_text(json.dumps(rendered, indent=2))
    output.chmod(0o644)  # read by the broker's own user
    print(f"broker definitions for {', '.join(u['name'] for u in rendered['users'])} written to {output}")


if __name__ == "__main__":
    main(sys.argv[1:])
