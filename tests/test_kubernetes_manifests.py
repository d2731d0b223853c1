"""The Kubernetes description as a cluster would receive it: each overlay (deploy/k8s/overlays/dev and prod)
rendered by kustomize, every object valid against the Kubernetes API schemas and the operators' schemas, and
what an operator needs of it: no Secret shipped, a ServiceAccount, a PodDisruptionBudget and network rules per
service, one migration Job, probes, pinned images, TLS at the ingress, monitoring and alerts with runbooks,
backed-up databases and a three-node broker."""

import importlib
import re
from dataclasses import dataclass

import pytest

from deploy.manifests import OVERLAYS, ToolMissing, problems_of, render
from deploy.system import REPO_ROOT
from shared.events import REGISTRY

PORTS = {"gateway": 8000, "accounts": 8001, "cases": 8002, "meters": 8003, "notifications": 8004}
SERVICES = tuple(PORTS)
STATEFUL = ("accounts", "cases", "meters", "notifications")
# What the operator creates once (docs/operations.md); the manifests only refer to them.
OPERATOR_SECRETS = {
    "selfservice-secrets",
    "jwt-signing-key",
    "rabbitmq-selfservice-credentials",
    "rabbitmq-vendor-credentials",
    "backup-credentials",
    "portal-tls",
}
CNPG_SECRETS = {f"{service}-db-app" for service in STATEFUL}


def objects(overlay: str) -> tuple[dict, ...]:
    try:
        return render(overlay)
    except ToolMissing as missing:
        pytest.skip(str(missing))


def of_kind(overlay: str, kind: str) -> list[dict]:
    return [o for o in objects(overlay) if o["kind"] == kind]


def named(overlay: str, kind: str, name: str) -> dict:
    [found] = [o for o in of_kind(overlay, kind) if o["metadata"]["name"] == name]
    return found


def pod_specs(overlay: str) -> list[tuple[str, dict]]:
    return [
        (f"{o['kind']}/{o['metadata']['name']}", o["spec"]["template"]["spec"])
        for o in objects(overlay)
        if o["kind"] in ("Deployment", "Job")
    ]


def containers(pod: dict) -> list[dict]:
    return pod["containers"] + pod.get("initContainers", [])


def env_of(container: dict) -> dict:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container.get("env", [])}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_against_the_kubernetes_and_the_operators_schemas(overlay):
    problems = [problem for document in objects(overlay) for problem in problems_of(document)]
    assert problems == []
    assert all(
        o["metadata"].get("namespace") == "selfservice" for o in objects(overlay) if o["kind"] != "Namespace"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_scalers_read_prometheus_with_no_credential_and_none_is_left_unused(overlay):
    """KEDA reads each consumer's backlog from the in-cluster Prometheus and its CPU: no trigger needs the
    broker's address or a TriggerAuthentication, so none is shipped (one would hand KEDA the AMQP secret)."""
    for scaled in of_kind(overlay, "ScaledObject"):
        for trigger in scaled["spec"]["triggers"]:
            assert trigger["type"] in ("prometheus", "cpu") and "authenticationRef" not in trigger, trigger
    assert not of_kind(overlay, "TriggerAuthentication")


def test_a_misspelt_field_or_an_unknown_kind_fails_the_validation():
    deployment = dict(named("prod", "Deployment", "cases"))
    assert problems_of({**deployment, "spec": {**deployment["spec"], "replica": 2}})
    scaled = named("prod", "ScaledObject", "cases")
    trigger = {**scaled["spec"]["triggers"][0], "metadata": {"queueName": "cases.events", "value": 100}}
    assert problems_of({**scaled, "spec": {**scaled["spec"], "triggers": [trigger]}})
    assert problems_of({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_shipped_and_every_one_referred_to_is_the_operators(overlay):
    assert not of_kind(overlay, "Secret")
    config_maps = {c["metadata"]["name"] for c in of_kind(overlay, "ConfigMap")}
    assert config_maps == {"selfservice-config"}, "jwt-public-keys is the operator's, never a placeholder"
    text = repr(objects(overlay))
    assert "change-me" not in text and "REPLACE" not in text
    referred = set(re.findall(r"'secretName': '([^']+)'", text)) | {
        ref["name"]
        for _, pod in pod_specs(overlay)
        for container in containers(pod)
        for item in container.get("env", [])
        if (ref := item.get("valueFrom", {}).get("secretKeyRef"))
    }
    referred |= set(re.findall(r"'importCredentialsSecret': \{'name': '([^']+)'", text))
    referred |= set(re.findall(r"'accessKeyId': \{'name': '([^']+)'", text))
    assert referred <= OPERATOR_SECRETS | CNPG_SECRETS, referred - OPERATOR_SECRETS - CNPG_SECRETS


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_own_account_budget_probes_and_resources(overlay, service):
    account = named(overlay, "ServiceAccount", service)
    assert account["automountServiceAccountToken"] is False
    deployment = named(overlay, "Deployment", service)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == service
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    budget = named(overlay, "PodDisruptionBudget", service)
    selector = budget["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items() and selector == deployment["spec"]["selector"]["matchLabels"]
    assert (
        budget["spec"].get("minAvailable") == 1
        if overlay == "prod"
        else budget["spec"]["maxUnavailable"] == 1
    )
    [container] = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["ports"][0]["containerPort"] == PORTS[service]
    for each in containers(pod):
        assert {"cpu", "memory"} <= set(each["resources"]["requests"]) & set(each["resources"]["limits"])
        assert each["securityContext"]["readOnlyRootFilesystem"] is True
    assert named(overlay, "NetworkPolicy", service)


@pytest.mark.parametrize("service", STATEFUL)
def test_one_job_migrates_and_the_replicas_only_wait_for_it(service):
    for overlay in OVERLAYS:
        job = named(overlay, "Job", f"{service}-migrate")
        [migrate] = job["spec"]["template"]["spec"]["containers"]
        assert migrate["command"] == ["python", "-m", "shared.migrate", service]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"
        [wait] = named(overlay, "Deployment", service)["spec"]["template"]["spec"]["initContainers"]
        assert wait["command"][:5] == ["python", "-m", "shared.migrate", service, "--wait"]
        assert env_of(wait)["DATABASE_URL"] == env_of(migrate)["DATABASE_URL"]
        assert migrate["image"] == wait["image"], "the Job migrates to the schema the replicas wait for"
    migrating = [
        (name, container["name"])
        for overlay in OVERLAYS
        for name, pod in pod_specs(overlay)
        for container in containers(pod)
        if "shared.migrate" in container.get("command", []) and "--wait" not in container["command"]
    ]
    assert all(name.startswith("Job/") for name, _ in migrating), migrating


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned_by_version(overlay):
    images = [c["image"] for _, pod in pod_specs(overlay) for c in containers(pod)]
    images += [c["spec"]["imageName"] for c in of_kind(overlay, "Cluster")]
    images += [r["spec"]["image"] for r in of_kind(overlay, "RabbitmqCluster")]
    assert len(images) > 10
    for image in images:
        assert re.fullmatch(r"[^:@]+(:[0-9][\w.-]*|@sha256:[0-9a-f]{64})", image.split("/", 1)[-1]), image
        assert not image.endswith(":latest")
    release = {c["image"].rsplit(":", 1)[1] for _, pod in pod_specs(overlay) for c in containers(pod)}
    assert len(release) == 1, f"one release for the five images: {release}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_alone_is_published_with_tls(overlay):
    [ingress] = of_kind(overlay, "Ingress")
    [rule] = ingress["spec"]["rules"]
    [path] = rule["http"]["paths"]
    assert path["backend"]["service"] == {"name": "gateway", "port": {"name": "http"}}
    [tls] = ingress["spec"]["tls"]
    assert rule["host"] in tls["hosts"] and tls["secretName"] == "portal-tls"
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    config = named(overlay, "ConfigMap", "selfservice-config")["data"]
    assert config["PUBLIC_URL"] == f"https://{rule['host']}"
    if overlay == "prod":
        assert "cert-manager.io/cluster-issuer" in ingress["metadata"]["annotations"]


# --- network policies: who may reach whom ------------------------------------------------------------------


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict


def _selects(selector: dict, labels: dict) -> bool:
    return selector.get("matchLabels", {}).items() <= labels.items() and not selector.get("matchExpressions")


def _peer_admits(peer: dict, source: Pod) -> bool:
    if "ipBlock" in peer:
        return False
    namespace_ok = (
        _selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": source.namespace})
        if "namespaceSelector" in peer
        else source.namespace == "selfservice"
    )
    return namespace_ok and ("podSelector" not in peer or _selects(peer["podSelector"], source.labels))


def reachable(overlay: str, source: Pod, target_labels: dict, port: int) -> bool:
    """Whether the namespace's policies let `source` open `port` on a pod with these labels."""
    selecting = [
        p["spec"]
        for p in of_kind(overlay, "NetworkPolicy")
        if _selects(p["spec"]["podSelector"], target_labels)
    ]
    assert selecting, f"no policy selects {target_labels}"
    for spec in selecting:
        for rule in spec.get("ingress", []):
            ports = [p["port"] for p in rule.get("ports", [])]
            if (not ports or port in ports) and any(
                _peer_admits(peer, source) for peer in rule.get("from", [])
            ):
                return True
    return False


def server(service: str) -> dict:
    return {
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/part-of": "selfservice",
        "app.kubernetes.io/component": "server",
    }


INGRESS = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
PROMETHEUS = Pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
STRANGER = Pod("selfservice", {"app": "debug-shell"})
ELSEWHERE = Pod("default", {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "server"})
BROKER = {"app.kubernetes.io/name": "rabbitmq", "app.kubernetes.io/component": "rabbitmq"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_ingress_reaches_the_gateway_and_only_the_gateway_and_the_scraper_reach_a_service(overlay):
    gateway = Pod("selfservice", server("gateway"))
    assert reachable(overlay, INGRESS, server("gateway"), 8000)
    assert not reachable(overlay, INGRESS, server("gateway"), 9090)
    assert reachable(overlay, PROMETHEUS, server("gateway"), 9090)
    for source in (STRANGER, ELSEWHERE, Pod("selfservice", server("cases"))):
        assert not reachable(overlay, source, server("gateway"), 8000), source
    for service in STATEFUL:
        assert reachable(overlay, gateway, server(service), PORTS[service])
        assert reachable(overlay, PROMETHEUS, server(service), PORTS[service])
        for source in (INGRESS, STRANGER, ELSEWHERE, *(Pod("selfservice", server(s)) for s in STATEFUL)):
            assert not reachable(overlay, source, server(service), PORTS[service]), (source, service)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_database_only_from_its_service_and_the_broker_only_from_the_services(overlay):
    for service in STATEFUL:
        database = {"cnpg.io/cluster": f"{service}-db"}
        migration = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "migration"}
        assert reachable(overlay, Pod("selfservice", server(service)), database, 5432)
        assert reachable(overlay, Pod("selfservice", migration), database, 5432)
        others = [Pod("selfservice", server(other)) for other in SERVICES if other != service]
        for source in (*others, INGRESS, STRANGER, PROMETHEUS, ELSEWHERE):
            assert not reachable(overlay, source, database, 5432), (source, service)
    for service in (*STATEFUL, "gateway"):
        assert reachable(overlay, Pod("selfservice", server(service)), BROKER, 5672)
    # KEDA's scalers read the backlog from Prometheus: neither they nor any credential of theirs reach the broker.
    keda = Pod("keda", {"app": "keda-operator"})
    for source in (keda, INGRESS, STRANGER, ELSEWHERE, Pod("selfservice", {"cnpg.io/cluster": "cases-db"})):
        assert not reachable(overlay, source, BROKER, 5672), source
    assert not reachable(overlay, STRANGER, {"app": "anything-new"}, 80), "the namespace denies by default"


# --- monitoring ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_scraped_on_its_metrics_port(service):
    monitor = named("prod", "ServiceMonitor", service)
    kube_service = named("prod", "Service", service)
    assert _selects(monitor["spec"]["selector"], kube_service["metadata"]["labels"])
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] in {p["name"] for p in kube_service["spec"]["ports"]}
    assert endpoint["port"] == ("metrics" if service == "gateway" else "http")


ALERTS = {
    "SelfserviceParkedMessages": "rabbitmq_queue_messages",
    "SelfserviceOutboxLag": "outbox_lag_seconds",
    "SelfserviceConsumersMissing": "rabbitmq_queue_consumers",
    "SelfserviceSlaBreaches": "events_published_total",
    "SelfserviceEmailFailures": "emails_total",
    "SelfserviceHigh5xxRate": "http_request_duration_seconds_count",
}


def alert_rules() -> dict[str, dict]:
    [rule] = of_kind("prod", "PrometheusRule")
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"] if "alert" in r}


def test_the_alerts_cover_parking_outbox_lag_consumers_service_levels_emails_and_errors():
    rules = alert_rules()
    for alert, metric in ALERTS.items():
        assert metric in rules[alert]["expr"], alert
    assert "parked" in rules["SelfserviceParkedMessages"]["expr"]
    assert 'type="cases.case.sla_breached"' in rules["SelfserviceSlaBreaches"]["expr"]
    assert "cases.case.sla_breached" in REGISTRY
    assert 'outcome="failed"' in rules["SelfserviceEmailFailures"]["expr"]
    assert 'status=~"5.."' in rules["SelfserviceHigh5xxRate"]["expr"]
    metrics = (REPO_ROOT / "shared" / "metrics.py").read_text()
    for own in (
        "outbox_lag_seconds",
        "events_published_total",
        "emails_total",
        "http_request_duration_seconds",
    ):
        assert f'"{own.removesuffix("_total")}' in metrics or f'"{own}"' in metrics, own
    conf = named("prod", "RabbitmqCluster", "rabbitmq")["spec"]["rabbitmq"]["additionalConfig"]
    assert "prometheus.return_per_object_metrics = true" in conf, "queue metrics need per-object metrics"


def test_every_alert_has_a_severity_and_a_runbook_section():
    runbooks = (REPO_ROOT / "docs" / "operations.md").read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", runbooks, re.MULTILINE)
    }
    for alert, rule in alert_rules().items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, alert
        url = rule["annotations"]["runbook_url"]
        assert url == f"docs/operations.md#{alert.lower()}" or url.startswith("docs/operations.md#"), alert
        assert url.split("#")[1] in anchors, f"{alert}: no section {url} in docs/operations.md"


# --- the stateful parts -------------------------------------------------------------------------------------


def test_production_databases_are_replicated_and_backed_up_and_the_broker_has_three_nodes():
    clusters = {c["metadata"]["name"]: c["spec"] for c in of_kind("prod", "Cluster")}
    assert set(clusters) == {f"{service}-db" for service in STATEFUL}
    backups = {b["spec"]["cluster"]["name"] for b in of_kind("prod", "ScheduledBackup")}
    assert backups == set(clusters)
    for name, spec in clusters.items():
        assert spec["instances"] >= 2, name
        store = spec["backup"]["barmanObjectStore"]
        assert store["destinationPath"].endswith(f"/{name}") and spec["backup"]["retentionPolicy"]
        assert spec["bootstrap"]["initdb"]["database"] == name.removesuffix("-db")
    assert named("prod", "RabbitmqCluster", "rabbitmq")["spec"]["replicas"] == 3
    policies = {p["spec"]["name"]: p["spec"] for p in of_kind("prod", "Policy")}
    assert policies["service-queues"]["applyTo"] == "quorum_queues"


def test_the_dev_overlay_is_small_but_the_same_system():
    assert {d["spec"]["replicas"] for d in of_kind("dev", "Deployment")} == {1}
    assert named("dev", "RabbitmqCluster", "rabbitmq")["spec"]["replicas"] == 1
    assert not of_kind("dev", "ScheduledBackup")
    assert all("backup" not in c["spec"] for c in of_kind("dev", "Cluster"))
    kinds = lambda overlay: {o["kind"] for o in objects(overlay)}  # noqa: E731
    assert kinds("prod") - kinds("dev") == {"ScheduledBackup"}
    assert named("dev", "ConfigMap", "selfservice-config")["data"]["ENVIRONMENT"] == "production"


def container_environment(overlay: str, container: dict) -> dict[str, str]:
    """What the container's process finds in its environment, each Secret's value standing in as a strong one."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env |= named(overlay, "ConfigMap", source["configMapRef"]["name"])["data"]
    for item in container.get("env", []):
        if "value" in item:
            value = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), item["value"])
        elif "configMapKeyRef" in item["valueFrom"]:
            ref = item["valueFrom"]["configMapKeyRef"]
            value = named(overlay, "ConfigMap", ref["name"])["data"][ref["key"]]
        else:
            value = f"strong-secret-from-{item['valueFrom']['secretKeyRef']['name']}"
        env[item["name"]] = value
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_container_of_a_service_passes_the_production_settings_check(overlay, service, monkeypatch):
    """The migration Job and the init container read the service's settings too: a production start refuses
    them the same way when a setting is missing (the signing key's place, for accounts)."""
    for variable in ("TEST_CLOCK_FILE", "DEMO_PASSWORD", f"{service.upper()}_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    settings = importlib.import_module(f"{service}.settings").Settings
    pods = [
        pod for name, pod in pod_specs(overlay) if name in (f"Deployment/{service}", f"Job/{service}-migrate")
    ]
    checked = 0
    for pod in pods:
        for container in containers(pod):
            env = container_environment(overlay, container)
            assert env["ENVIRONMENT"] == "production"
            fields = {
                name.lower(): value for name, value in env.items() if name.lower() in settings.model_fields
            }
            settings(**fields)  # raises, naming each development default, if one is left
            checked += 1
    assert checked == (1 if service == "gateway" else 3)
