"""Check the deployment descriptions the way the tools that run them would, without running anything:

    python -m deploy.manifests

- docker-compose.yml through the compose CLI's own `config` (the production-like default with throw-away
  secrets, and the demo with deploy/compose/demo.env); `docker compose` (v2) when installed, else Debian's
  `docker-compose`.
- each Kubernetes overlay (deploy/k8s/overlays/*) rendered by kustomize (`kubectl kustomize`, else
  `kustomize build`), and every object it yields validated: the Kubernetes kinds against the API schemas that
  the kubernetes-validate package ships (strict: an unknown field fails), the operators' custom resources
  against the schemas in deploy/k8s/schemas. A kind with no schema fails too.

Used by the tests (tests/test_deploy_files.py, tests/test_kubernetes_manifests.py) and by CI."""

import functools
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from deploy.system import REPO_ROOT

K8S = REPO_ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
SCHEMAS = K8S / "schemas"
# The oldest Kubernetes release the manifests are written for (every API they use is GA there).
KUBERNETES_VERSION = "1.30"
DEMO_ENV = REPO_ROOT / "deploy" / "compose" / "demo.env"
# What compose requires of the operator (`${NAME:?...}` in docker-compose.yml).
COMPOSE_SECRETS = (
    "SESSION_SECRET",
    "ACCOUNTS_DB_PASSWORD",
    "CASES_DB_PASSWORD",
    "METERS_DB_PASSWORD",
    "NOTIFICATIONS_DB_PASSWORD",
    "RABBITMQ_SELFSERVICE_PASSWORD",
    "RABBITMQ_VENDOR_PASSWORD",
    "RABBITMQ_ADMIN_PASSWORD",
)


class ToolMissing(RuntimeError):
    pass


# --- compose ------------------------------------------------------------------------------------------------


def compose_cli() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if legacy := shutil.which("docker-compose"):
        return [legacy]
    raise ToolMissing("no compose CLI: install Debian's docker-compose (apt-get install docker-compose)")


def compose_config(
    variables: dict[str, str], *options: str, profiles: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`<compose> config` of docker-compose.yml with exactly these variables (nothing of this shell's)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env |= {"COMPOSE_PROJECT_NAME": "selfservice", **variables}
    profile_options = [part for profile in profiles for part in ("--profile", profile)]
    return subprocess.run(
        [
            *compose_cli(),
            "--project-directory",
            str(REPO_ROOT),
            "-f",
            str(REPO_ROOT / "docker-compose.yml"),
            *profile_options,
            *options,
            "config",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )


def throwaway_secrets() -> dict[str, str]:
    return {name: secrets.token_hex(24) for name in COMPOSE_SECRETS}


def check_compose() -> list[str]:
    problems = []
    production = compose_config(throwaway_secrets())
    if production.returncode != 0:
        problems.append(f"docker-compose.yml (production): {production.stderr.strip()}")
    demo = compose_config({}, "--env-file", str(DEMO_ENV), profiles=("demo",))
    if demo.returncode != 0:
        problems.append(f"docker-compose.yml (demo): {demo.stderr.strip()}")
    return problems


# --- Kubernetes ---------------------------------------------------------------------------------------------


def kustomize_cli() -> list[str]:
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize"]
    if kustomize := shutil.which("kustomize"):
        return [kustomize, "build"]
    raise ToolMissing("no kustomize: install kubectl (it embeds kustomize) or kustomize")


@functools.cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    """Every object the overlay yields, as `kubectl apply -k deploy/k8s/overlays/<overlay>` would send them."""
    result = subprocess.run(
        [*kustomize_cli(), str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"kustomize failed on overlays/{overlay}: {result.stderr.strip()}")
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def schema_path(api_version: str, kind: str) -> Path | None:
    """The custom resource's schema in deploy/k8s/schemas, None for a Kubernetes kind."""
    if "/" not in api_version:
        return None
    group, version = api_version.split("/")
    if "." not in group or group.endswith(".k8s.io"):
        return None  # apps/v1, batch/v1, policy/v1, networking.k8s.io/v1 ...
    return SCHEMAS / group / f"{kind.lower()}_{version}.json"


def problems_of(document: dict[str, Any]) -> list[str]:
    """What is wrong with one object, by its schema; empty when it validates."""
    import jsonschema
    import kubernetes_validate

    kind, api_version = document.get("kind", "?"), document.get("apiVersion", "?")
    name = f"{kind}/{(document.get('metadata') or {}).get('name', '?')}"
    custom = schema_path(api_version, kind)
    if custom is None:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            return [f"{name}: no Kubernetes {KUBERNETES_VERSION} schema for {api_version} {kind}"]
        except kubernetes_validate.ValidationError as error:
            return [f"{name}: {'.'.join(map(str, error.path))}: {error.message}"]
        return []
    if not custom.exists():
        return [f"{name}: no schema for {api_version} {kind} in {custom.relative_to(REPO_ROOT)}"]
    validator = jsonschema.Draft202012Validator(json.loads(custom.read_text()))
    return [
        f"{name}: {'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def check_kubernetes() -> list[str]:
    problems = []
    for overlay in OVERLAYS:
        for document in render(overlay):
            problems += [f"overlays/{overlay}: {problem}" for problem in problems_of(document)]
    return problems


def main() -> int:
    problems = check_compose() + check_kubernetes()
    for problem in problems:
        print(problem, file=sys.stderr)
    counts = {overlay: len(render(overlay)) for overlay in OVERLAYS}
    print(
        f"compose: production and demo configurations {'refused' if problems else 'valid'}; "
        + ", ".join(f"overlays/{overlay}: {count} objects" for overlay, count in counts.items())
        + f" checked against Kubernetes {KUBERNETES_VERSION} and the operators' schemas"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
