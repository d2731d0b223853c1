"""The deployment descriptions agree with the code and with ARCHITECTURE §2-§4: the Dockerfile and the workspace
members it installs, docker-compose.yml, the RabbitMQ definitions, the PostgreSQL init script, the Kubernetes
manifests and .env.example.

Static checks only (no Docker engine, no cluster): each file parses, and names, ports, commands, health checks,
queues and environment variables match what the services really read."""

import base64
import functools
import hashlib
import importlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from shared.config import ServiceSettings
from shared.events import REGISTRY, VENDOR_EXCHANGE

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"gateway": 8000, "accounts": 8001, "cases": 8002, "meters": 8003, "notifications": 8004}
SERVICES = tuple(PORTS)
CONSUMERS = (
    "accounts",
    "cases",
    "meters",
    "notifications",
)  # one <svc>.events queue each; the gateway has none
STATEFUL = CONSUMERS  # the gateway owns no database, so it has no migration
INFRASTRUCTURE = ("rabbitmq", "mailpit")
DATABASES = tuple(f"{service}-db" for service in STATEFUL)  # one PostgreSQL each

# Variables a service reads beyond ServiceSettings; each must be a field of that service's Settings.
SERVICE_ONLY_VARIABLES = {
    "accounts": {"JWT_PRIVATE_KEY_FILE", "DEMO_PASSWORD"},
    "cases": set(),
    "meters": set(),
    "notifications": {"SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "MAIL_FROM"},
    "gateway": {
        "ACCOUNTS_URL",
        "CASES_URL",
        "METERS_URL",
        "NOTIFICATIONS_URL",
        "COOKIE_SECURE",
        "SESSION_SECRET",
        "METRICS_PORT",
    },
}


@functools.cache
def _compose_text() -> str:
    return (ROOT / "docker-compose.yml").read_text()


def compose() -> dict:
    return yaml.safe_load(_compose_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the one Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    logical = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    instructions = []
    for line in logical.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def environment_of(definition: dict) -> dict[str, str]:
    env = definition.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


@functools.cache
def k8s_documents() -> tuple[tuple[Path, dict], ...]:
    """The base's objects as written (the overlays' rendered objects: tests/test_kubernetes_manifests.py)."""
    documents = []
    for path in sorted((ROOT / "deploy" / "k8s" / "base").glob("*.yaml")):
        documents += [(path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    return tuple(documents)


def of_kind(kind: str) -> list[dict]:
    return [doc for _, doc in k8s_documents() if doc.get("kind") == kind]


# --- Dockerfile and packaging ---------------------------------------------------------------------------

# Loaded when installed, never required: httpx's command line (rich, pygments), Starlette's form parser (only
# the gateway reads forms, and it declares python-multipart).
OPTIONAL_IMPORTS = {"rich", "pygments", "markdown-it-py", "mdurl", "python-multipart"}
TEST_TOOLS = {
    "pytest",
    "pytest-asyncio",
    "pytest-timeout",
    "playwright",
    "testcontainers",
    "aiosmtpd",
    "honcho",
    "ruff",
}


def test_one_dockerfile_builds_each_service_from_its_workspace_member():
    instructions = dockerfile_instructions()
    images = [arguments.split()[0] for keyword, arguments in instructions if keyword == "FROM"]
    assert images and all(re.fullmatch(r"python:3\.11\.\d+-slim-\w+", image) for image in images), images
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    assert any(re.search(r"\buv==\d+\.\d+\.\d+\b", run) for run in runs), (
        "uv is installed at a pinned version"
    )
    syncs = [run for run in runs if run.startswith("uv sync")]
    assert syncs and all(
        "--frozen" in run and "--no-dev" in run and '--package "selfservice-$SERVICE"' in run for run in syncs
    )
    copies = [arguments for keyword, arguments in instructions if keyword == "COPY"]
    for member in ("shared", *(f"services/{service}" for service in SERVICES)):
        assert f"{member}/pyproject.toml {member}/" in copies, member
    runtime_copies = [arguments for keyword, arguments in final_stage() if keyword == "COPY"]
    assert (
        "shared/ shared/" in runtime_copies and "services/${SERVICE}/ services/${SERVICE}/" in runtime_copies
    )
    assert not list(ROOT.glob("services/*/Dockerfile")), "one Dockerfile, at the repository root"


def test_the_image_runs_the_service_named_at_build_as_a_non_root_user_with_a_health_check():
    runtime = final_stage()
    env = " ".join(arguments for keyword, arguments in runtime if keyword == "ENV")
    assert "SERVICE=${SERVICE}" in env and "PORT=${PORT}" in env and "HOST=0.0.0.0" in env
    assert "PYTHONPATH" not in (ROOT / "Dockerfile").read_text()
    assert [arguments for keyword, arguments in runtime if keyword == "EXPOSE"] == ["${PORT}"]
    users = [arguments for keyword, arguments in runtime if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    cmd = [arguments for keyword, arguments in runtime if keyword == "CMD"]
    assert json.loads(cmd[-1]) == ["sh", "-c", 'exec "$SERVICE"']
    healthcheck = [arguments for keyword, arguments in runtime if keyword == "HEALTHCHECK"]
    assert healthcheck and "urllib.request" in healthcheck[-1] and "/health/live" in healthcheck[-1]
    assert "os.environ['PORT']" in healthcheck[-1]


def member_project(member: str) -> dict:
    return tomllib.loads((ROOT / member / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_a_member_with_its_console_entry_point(service):
    project = member_project(f"services/{service}")
    assert project["name"] == f"selfservice-{service}"
    assert project["scripts"] == {service: f"{service}.__main__:main"}
    assert callable(importlib.import_module(f"{service}.__main__").main)


@functools.cache
def locked_packages() -> dict[str, dict]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {package["name"]: package for package in lock["package"]}


def runtime_closure(name: str, extras: tuple[str, ...] = ()) -> set[str]:
    """Every distribution installing `name` (with those extras) brings along, from the lock; markers ignored."""
    package = locked_packages()[name]
    requirements = list(package.get("dependencies", []))
    for extra in extras:
        requirements += package.get("optional-dependencies", {}).get(extra, [])
    closure = {name}
    for requirement in requirements:
        closure |= runtime_closure(requirement["name"], tuple(requirement.get("extra", ())))
    return closure


def distributions_imported_by(service: str) -> set[str]:
    """The distributions whose modules are loaded once the service's app and entry point are imported."""
    script = (
        "import importlib, json, sys; from importlib.metadata import packages_distributions\n"
        f"importlib.import_module('{service}.main'); importlib.import_module('{service}.__main__')\n"
        "owners = packages_distributions()\n"
        "print(json.dumps(sorted({d for m in list(sys.modules) for d in owners.get(m.split('.')[0], [])})))"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return {re.sub(r"[-_.]+", "-", name).lower() for name in json.loads(completed.stdout)}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_installs_what_it_imports_and_no_test_tool(service):
    closure = runtime_closure(f"selfservice-{service}")
    missing = distributions_imported_by(service) - closure - OPTIONAL_IMPORTS - {"selfservice-portal"}
    assert not missing, f"{service} imports from distributions it does not declare: {sorted(missing)}"
    assert not closure & TEST_TOOLS, sorted(closure & TEST_TOOLS)


DATABASE_AND_BUS = {"sqlalchemy", "asyncpg", "aiosqlite", "alembic", "aio-pika", "aiormq"}


def test_the_gateway_carries_no_database_no_bus_and_no_migrations():
    assert not runtime_closure("selfservice-gateway") & DATABASE_AND_BUS
    assert runtime_closure("selfservice-cases") >= DATABASE_AND_BUS


def test_the_gateway_starts_without_the_database_and_bus_libraries():
    """What its image lacks, it never imports: the app is built with those libraries made unimportable."""
    blocked = sorted(name.replace("-", "_") for name in DATABASE_AND_BUS)
    script = f"""
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError("not in the gateway's image: " + name)
sys.meta_path.insert(0, Absent())
from gateway.main import create_app
create_app()
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


def test_no_pythonpath_or_sys_path_edit_anywhere():
    edits = re.compile(r"PYTHONPATH|sys\.path\.(?:append|insert)|^pythonpath\s*=", re.MULTILINE)
    checked = [ROOT / "Makefile", ROOT / "pyproject.toml", ROOT / "docker-compose.yml", ROOT / "Dockerfile"]
    for folder in ("shared", "services", "deploy", "bench", "tests"):
        checked += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".yaml", ".md", ".toml"}]
    offenders = [
        str(p.relative_to(ROOT)) for p in checked if p != Path(__file__) and edits.search(p.read_text())
    ]
    assert not offenders, offenders


# --- docker-compose.yml ------------------------------------------------------------------------------------


def test_compose_has_the_five_services_and_the_infrastructure_pinned_by_version():
    services = compose()["services"]
    for name in SERVICES + INFRASTRUCTURE + DATABASES + ("keys", "broker-definitions", "demo"):
        assert name in services, name
    assert re.fullmatch(r"rabbitmq:3\.13\.\d+-management", services["rabbitmq"]["image"])
    assert re.fullmatch(r"axllent/mailpit:v\d+\.\d+\.\d+", services["mailpit"]["image"])
    for database in DATABASES:
        assert re.fullmatch(r"postgres:16\.\d+", services[database]["image"]), database


@pytest.mark.parametrize("service", SERVICES)
def test_compose_builds_each_service_from_its_dockerfile(service):
    build = compose()["services"][service]["build"]
    assert build["context"] == "." and build.get("dockerfile", "Dockerfile") == "Dockerfile"
    assert build["args"] == {"SERVICE": service, "PORT": str(PORTS[service])}


def test_compose_ports_match_the_architecture_and_listen_on_loopback_unless_asked():
    services = compose()["services"]
    assert [str(port) for port in services["gateway"]["ports"]] == [
        "${GATEWAY_ADDRESS:-127.0.0.1}:${GATEWAY_PORT:-8000}:8000"
    ]
    for service in CONSUMERS:
        assert "ports" not in services[service], f"{service} must only be reachable through the gateway"
        assert [str(port) for port in services[service]["expose"]] == [str(PORTS[service])]
    for name, definition in services.items():
        for port in definition.get("ports", []):
            assert str(port).startswith(("127.0.0.1:", "${GATEWAY_ADDRESS:-127.0.0.1}:")), (name, port)
    assert any(str(port).endswith(":8025") for port in services["mailpit"]["ports"])
    notifications_env = environment_of(services["notifications"])
    assert notifications_env["SMTP_HOST"] == "mailpit" and notifications_env["SMTP_PORT"] == "1025"
    gateway_env = environment_of(services["gateway"])
    for service in CONSUMERS:
        assert gateway_env[f"{service.upper()}_URL"] == f"http://{service}:{PORTS[service]}"


def test_every_long_running_compose_service_has_a_health_check_and_the_services_use_readiness():
    services = compose()["services"]
    for name, definition in services.items():
        if definition.get("restart") == "no":
            continue
        healthcheck = definition.get("healthcheck", {})
        assert healthcheck.get("test") and not healthcheck.get("disable"), name
    for service in SERVICES:
        test = " ".join(services[service]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{PORTS[service]}/health/ready" in test, service


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_waits_for_its_dependencies(service):
    services = compose()["services"]
    depends_on = services[service]["depends_on"]
    assert depends_on["rabbitmq"]["condition"] == "service_healthy"
    assert depends_on["keys"]["condition"] == "service_completed_successfully"
    if service in STATEFUL:
        assert depends_on[f"{service}-db"]["condition"] == "service_healthy"
        assert depends_on[f"{service}-migrate"]["condition"] == "service_completed_successfully"
    else:
        for consumer in CONSUMERS:
            assert depends_on[consumer]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", STATEFUL)
def test_compose_migrates_each_database_of_its_own_before_its_service_starts(service):
    services = compose()["services"]
    migrate = services[f"{service}-migrate"]
    assert migrate["command"] == ["python", "-m", "shared.migrate", service]
    assert migrate["build"] == services[service]["build"]
    assert migrate["depends_on"][f"{service}-db"]["condition"] == "service_healthy"
    assert environment_of(migrate)["DATABASE_URL"] == environment_of(services[service])["DATABASE_URL"]
    secret = f"{service.upper()}_DB_PASSWORD"
    assert re.fullmatch(
        rf"postgresql\+asyncpg://{service}:\$\{{{secret}:\?[^}}]+\}}@{service}-db:5432/{service}",
        environment_of(services[service])["DATABASE_URL"],
    )
    database = environment_of(services[f"{service}-db"])
    assert database["POSTGRES_USER"] == database["POSTGRES_DB"] == service
    assert database["POSTGRES_PASSWORD"].startswith(f"${{{secret}:?")


def test_each_database_is_on_a_network_only_its_service_joins():
    services, networks = compose()["services"], compose()["networks"]
    for service in STATEFUL:
        network = f"{service}-data"
        assert networks[network] == {"internal": True}
        members = {name for name, definition in services.items() if network in definition.get("networks", [])}
        expected = {f"{service}-db", f"{service}-migrate", service} | (
            {"demo"} if service == "accounts" else set()
        )
        assert members == expected, (network, members)
        assert services[f"{service}-db"]["networks"] == [network]


def test_no_secret_has_a_fallback_and_the_default_environment_is_production():
    from deploy.manifests import COMPOSE_SECRETS

    text = _compose_text()
    for name in COMPOSE_SECRETS:
        uses = re.findall(rf"\$\{{{name}(:?[-?]?)", text)
        assert uses and set(uses) == {":?"}, (name, uses)
    for service in SERVICES:
        assert environment_of(compose()["services"][service])["ENVIRONMENT"] == "${ENVIRONMENT:-production}"
    assert "${DEMO_PASSWORD:-}" in text  # empty unless the demo sets it; production refuses any value


def test_the_demo_profile_loads_the_demo_data_with_the_demo_environment():
    from deploy.demo.data import DEMO_PASSWORD
    from deploy.manifests import COMPOSE_SECRETS, DEMO_ENV

    demo = compose()["services"]["demo"]
    assert demo["profiles"] == ["demo"] and demo["command"] == ["python", "-m", "deploy.demo.load"]
    assert "./deploy:/app/deploy:ro" in demo["volumes"]
    assert demo["depends_on"]["gateway"]["condition"] == "service_healthy"
    env = environment_of(demo)
    assert {env[f"{s.upper()}_URL"] for s in ("accounts", "cases", "meters")} == {
        f"http://{s}:{PORTS[s]}" for s in ("accounts", "cases", "meters")
    }
    values = dict(
        line.split("=", 1) for line in DEMO_ENV.read_text().splitlines() if line and not line.startswith("#")
    )
    assert values["COMPOSE_PROFILES"] == "demo" and values["ENVIRONMENT"] == "demo"
    assert values["DEMO_PASSWORD"] == DEMO_PASSWORD
    assert set(COMPOSE_SECRETS) <= set(values)


def test_the_demo_loader_finds_the_services_from_the_compose_environment():
    from deploy.demo.load import config_from_environment

    config = config_from_environment(
        {
            "AMQP_URL": "amqp://selfservice:pw@rabbitmq:5672/",
            "ENVIRONMENT": "demo",
            "DATABASE_URL": "postgresql+asyncpg://accounts:pw@accounts-db:5432/accounts",
            "JWT_PRIVATE_KEY_FILE": "/keys/private/jwt-private.pem",
            **{f"{s.upper()}_URL": f"http://{s}:{PORTS[s]}" for s in ("accounts", "cases", "meters")},
        }
    )
    assert config.url("cases") == "http://cases:8002" and config.url("accounts") == "http://accounts:8001"
    assert (
        config.env("accounts")["DATABASE_URL"] == "postgresql+asyncpg://accounts:pw@accounts-db:5432/accounts"
    )
    assert config.amqp_url == "amqp://selfservice:pw@rabbitmq:5672/" and config.environment == "demo"


def test_compose_cli_accepts_production_and_demo_and_refuses_a_missing_secret():
    from deploy.manifests import ToolMissing, check_compose, compose_config, throwaway_secrets

    try:
        problems = check_compose()
    except ToolMissing as missing:
        pytest.skip(str(missing))
    assert problems == []
    without = {k: v for k, v in throwaway_secrets().items() if k != "SESSION_SECRET"}
    refused = compose_config(without)
    assert refused.returncode != 0 and "SESSION_SECRET" in refused.stderr


def test_compose_keys_job_uses_the_shared_key_generator():
    keys = compose()["services"]["keys"]
    script = "\n".join(keys["command"])
    assert "from shared.auth import generate_keypair" in script
    from shared.auth import generate_keypair  # the job's import must exist

    assert callable(generate_keypair)


@pytest.mark.parametrize("service", SERVICES)
def test_compose_environment_names_only_settings_fields(service):
    settings = importlib.import_module(f"{service}.settings").Settings
    settings_fields = {name.upper() for name in settings.model_fields}
    extra = SERVICE_ONLY_VARIABLES[service]
    assert extra <= settings_fields, f"{service}.settings.Settings lacks {sorted(extra - settings_fields)}"
    allowed = {name.upper() for name in ServiceSettings.model_fields} | extra
    services = compose()["services"]
    for name in (service, f"{service}-migrate"):
        if name in services:
            unknown = set(environment_of(services[name])) - allowed
            assert not unknown, f"{name} sets variables no setting reads: {sorted(unknown)}"


# --- RabbitMQ definitions and PostgreSQL init --------------------------------------------------------------


def definitions() -> dict:
    return json.loads((ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text())


def test_definitions_declare_both_durable_topic_exchanges_and_quorum_default():
    exchanges = {exchange["name"]: exchange for exchange in definitions()["exchanges"]}
    for name in ("selfservice.events", "canon.sync"):
        assert exchanges[name]["type"] == "topic" and exchanges[name]["durable"] is True
        assert exchanges[name]["vhost"] == "/"
    vhost = next(vhost for vhost in definitions()["vhosts"] if vhost["name"] == "/")
    assert vhost["metadata"]["default_queue_type"] == "quorum"
    conf = (ROOT / "deploy" / "rabbitmq" / "rabbitmq.conf").read_text()
    assert re.search(r"^load_definitions = /etc/rabbitmq/selfservice/definitions\.json$", conf, re.MULTILINE)
    services = compose()["services"]
    assert "rabbitmq-definitions:/etc/rabbitmq/selfservice:ro" in services["rabbitmq"]["volumes"]
    job = services["broker-definitions"]
    assert job["command"][1:] == [
        "/template/render_definitions.py",
        "/template/definitions.json",
        "/definitions/definitions.json",
    ]
    assert {"./deploy/rabbitmq:/template:ro", "rabbitmq-definitions:/definitions"} <= set(job["volumes"])
    assert services["rabbitmq"]["depends_on"]["broker-definitions"]["condition"] == (
        "service_completed_successfully"
    )


def test_the_broker_definitions_carry_no_password_and_are_rendered_from_the_secrets():
    from deploy.rabbitmq.render_definitions import password_hash, render

    template = definitions()
    assert {user["name"] for user in template["users"]} == {"selfservice", "vendor", "admin"}
    assert all(user["password_hash"] == "" for user in template["users"])
    environ = {
        f"RABBITMQ_{name.upper()}_PASSWORD": f"{name}-{'x' * 20}"
        for name in ("selfservice", "vendor", "admin")
    }
    rendered = render(template, {**environ, "ENVIRONMENT": "production"})
    for user in rendered["users"]:
        stored = base64.b64decode(user["password_hash"])
        password = environ[f"RABBITMQ_{user['name'].upper()}_PASSWORD"]
        assert stored == base64.b64decode(password_hash(password, salt=stored[:4]))
        assert stored[4:] == hashlib.sha256(stored[:4] + password.encode()).digest()
    assert template["users"][0]["password_hash"] == ""  # the template itself is left alone
    missing = {k: v for k, v in environ.items() if "VENDOR" not in k}
    with pytest.raises(SystemExit, match="RABBITMQ_VENDOR_PASSWORD is not set"):
        render(template, missing)
    with pytest.raises(SystemExit, match="RABBITMQ_ADMIN_PASSWORD is shorter"):
        render(template, {**environ, "RABBITMQ_ADMIN_PASSWORD": "admin", "ENVIRONMENT": "production"})
    assert render(template, {**environ, "RABBITMQ_ADMIN_PASSWORD": "admin", "ENVIRONMENT": "demo"})


def test_vendor_may_only_write_to_canon_sync_and_read_its_own_queues():
    permission = next(p for p in definitions()["permissions"] if p["user"] == "vendor")

    def allowed(kind: str, resource: str) -> bool:
        return (
            re.match(permission[kind], resource) is not None
        )  # RabbitMQ matches permission regexes unanchored

    assert allowed("write", "canon.sync") and not allowed("write", "selfservice.events")
    assert allowed("read", "selfservice.events") and allowed("read", "vendor.fleet")
    for portal_queue in ("accounts.events", "cases.events.parked", "canon.sync"):
        assert not allowed("read", portal_queue) and not allowed("configure", portal_queue)
        assert portal_queue == "canon.sync" or not allowed("write", portal_queue)
    assert allowed("configure", "vendor.fleet") and not allowed("configure", "selfservice.events")


def test_vendor_topic_permission_admits_every_vendor_event_type_and_nothing_else():
    topic = next(
        t
        for t in definitions()["topic_permissions"]
        if t["user"] == "vendor" and t["exchange"] == "canon.sync"
    )
    vendor_types = [name for name, cls in REGISTRY.items() if cls.exchange == VENDOR_EXCHANGE]
    assert vendor_types
    for event_type in vendor_types:
        assert re.match(topic["write"], event_type), event_type
    for portal_type in (name for name, cls in REGISTRY.items() if cls.exchange != VENDOR_EXCHANGE):
        assert not re.match(topic["write"], portal_type), portal_type


# --- Kubernetes ----------------------------------------------------------------------------------------------


def test_every_manifest_parses_and_the_base_lists_its_folder():
    assert k8s_documents()
    base = ROOT / "deploy" / "k8s" / "base"
    listed = set(yaml.safe_load((base / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in base.glob("*.yaml")} - {"kustomization.yaml"}
    overlays = sorted(p.name for p in (ROOT / "deploy" / "k8s" / "overlays").iterdir())
    assert overlays == ["dev", "prod"]
    for overlay in overlays:
        kustomization = yaml.safe_load(
            (ROOT / "deploy" / "k8s" / "overlays" / overlay / "kustomization.yaml").read_text()
        )
        assert kustomization["resources"] == ["../../base"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_has_probes_resources_and_its_migration(service):
    deployment = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == service)
    pod = deployment["spec"]["template"]["spec"]
    container = next(c for c in pod["containers"] if c["name"] == service)
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["ports"][0]["containerPort"] == PORTS[service]
    for each in pod["containers"] + pod.get("initContainers", []):
        assert {"cpu", "memory"} <= set(each["resources"]["limits"]), each["name"]
        assert {"cpu", "memory"} <= set(each["resources"]["requests"]), each["name"]
    if service in STATEFUL:
        # Replicas only wait for the migration; one Job runs it.
        [wait] = pod["initContainers"]
        assert wait["command"][:5] == ["python", "-m", "shared.migrate", service, "--wait"]
        job = next(j for j in of_kind("Job") if j["metadata"]["name"] == f"{service}-migrate")
        [migrate] = job["spec"]["template"]["spec"]["containers"]
        assert migrate["command"] == ["python", "-m", "shared.migrate", service]
        assert {"cpu", "memory"} <= set(migrate["resources"]["limits"])
        assert (
            _env_of(migrate)["DATABASE_URL"]
            == _env_of(wait)["DATABASE_URL"]
            == _env_of(container)["DATABASE_URL"]
        )
    else:
        assert not pod.get("initContainers")
    service_object = next(s for s in of_kind("Service") if s["metadata"]["name"] == service)
    assert service_object["spec"]["ports"][0]["port"] == PORTS[service]


def _env_of(container: dict) -> dict:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container.get("env", [])}


def test_the_gateway_believes_no_client_x_forwarded_for():
    compose_gateway = environment_of(compose()["services"]["gateway"])
    assert compose_gateway["FORWARDED_ALLOW_IPS"] == "${GATEWAY_FORWARDED_ALLOW_IPS:-}"
    deployment = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == "gateway")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    k8s_gateway = {item["name"]: item.get("value") for item in container["env"]}
    assert k8s_gateway["FORWARDED_ALLOW_IPS"] not in ("*", None)


def test_gateway_scales_on_cpu():
    hpa = next(
        h for h in of_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == "gateway"
    )
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


@pytest.mark.parametrize("service", CONSUMERS)
def test_each_consumer_scales_on_its_whole_backlog_and_its_prefetch_agrees(service):
    """The scaler reads the queue's ready messages and the unacked ones the replicas hold (the broker's ready count
    alone misses up to a prefetch per replica), with a threshold no lower than the prefetch: then a replica the
    scaler adds always finds messages ready for it (tests/integration/test_autoscaling.py reads the metric)."""
    scaled = next(s for s in of_kind("ScaledObject") if s["spec"]["scaleTargetRef"]["name"] == service)
    [trigger] = [t for t in scaled["spec"]["triggers"] if t["type"] != "cpu"]
    assert trigger["type"] == "prometheus"
    query = " ".join(trigger["metadata"]["query"].split())
    assert query == (
        f'max(bus_queue_ready_messages{{queue="{service}.events"}}) '
        f'+ sum(bus_messages_in_hand{{queue="{service}.events"}})'
    )
    config = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "selfservice-config")["data"]
    assert int(trigger["metadata"]["threshold"]) >= int(config["BUS_PREFETCH"])


def test_the_bus_settings_are_documented_and_configured(monkeypatch):
    config = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "selfservice-config")["data"]
    example = (ROOT / ".env.example").read_text()
    for variable in (
        "BUS_PREFETCH",
        "BUS_RETRY_DELAYS_MS",
        "BUS_DELIVERY_LIMIT",
        "BUS_REDELIVERY_WINDOW_HOURS",
    ):
        assert variable in config, variable
        assert re.search(rf"^#? ?{variable}=", example, re.MULTILINE), variable
    for name, value in config.items():
        if name.startswith("BUS_"):
            monkeypatch.setenv(name, value)
    settings = ServiceSettings()  # read as a service reads them
    assert settings.bus_prefetch == int(config["BUS_PREFETCH"])
    assert settings.bus_retry_delays_ms == (1_000, 10_000, 60_000)


def test_operator_examples_provide_rabbitmq_and_one_postgres_per_service():
    assert of_kind("RabbitmqCluster")
    clusters = {c["spec"]["bootstrap"]["initdb"]["database"] for c in of_kind("Cluster")}
    assert clusters == set(STATEFUL)
    exchanges = {e["spec"]["name"] for e in of_kind("Exchange")}
    assert exchanges == {"selfservice.events", "canon.sync"}


# --- .env.example --------------------------------------------------------------------------------------------


def test_env_example_documents_every_variable_with_a_comment():
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = {}
    for index, line in enumerate(lines):
        match = re.fullmatch(r"(?:# )?([A-Z][A-Z0-9_]*)=.*", line)
        if match:
            documented[match.group(1)] = lines[index - 1].startswith("#") and index > 0
    expected = {name.upper() for name in ServiceSettings.model_fields} - {
        "SERVICE_NAME",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
    }
    expected |= set().union(*SERVICE_ONLY_VARIABLES.values()) | {"TEST_DATABASE_URL", "AMQP_URL"}
    for service in SERVICES:
        expected |= set(environment_of(compose()["services"][service]))
    missing = expected - set(documented)
    assert not missing, f".env.example does not document {sorted(missing)}"
    assert all(documented[name] for name in expected), "each variable needs a comment line above it"
