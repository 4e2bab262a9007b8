"""docker-compose file and Kubernetes manifests: valid against the schemas in
deploy/schemas (written for Pantau, covering the keys used), every role's
command accepted by the real `pantau` argument parser, and the parts wired to
each other (dependencies, health checks, selectors, scrape targets)."""
from __future__ import annotations

import copy
import json

import jsonschema
import pytest
import yaml

from pantau.cli import build_parser
from series import DEPLOY

ROLES = ["collectors", "transcription", "processors", "alerts"]
SCHEMAS = DEPLOY / "schemas"
K8S = DEPLOY / "k8s"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def k8s_objects() -> list[dict]:
    objects = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


def errors(v: jsonschema.Draft202012Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(document)]


def test_compose_file_matches_the_schema():
    assert errors(validator("compose.schema.json"), compose()) == []


def test_compose_schema_catches_mistakes():
    v = validator("compose.schema.json")
    broken = copy.deepcopy(compose())
    broken["services"]["kafka"]["healthcheck"]["interval"] = "10 seconds"
    broken["services"]["serve"]["depends_on"]["alerts"]["condition"] = "healthy"
    broken["services"]["grafana"]["port"] = ["3000:3000"]
    found = "\n".join(errors(v, broken))
    assert "interval" in found and "depends_on" in found and "'port' was unexpected" in found


def test_compose_runs_every_role_with_its_dependencies_and_health_checks():
    services = compose()["services"]
    assert {"kafka", "postgres", "prometheus", "grafana", "serve", *ROLES} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    for role in ROLES:
        assert services[role]["command"][:3] == ["pantau", "worker", role]
        assert set(services[role]["depends_on"]) >= {"kafka", "postgres"}
    assert services["serve"]["command"][:2] == ["pantau", "serve"]


def pantau_commands() -> list[tuple[str, list[str]]]:
    found = [(f"compose {name}", s["command"]) for name, s in compose()["services"].items()
             if isinstance(s.get("command"), list) and s["command"][0] == "pantau"]
    for obj in k8s_objects():
        if obj["kind"] == "Deployment":
            for container in obj["spec"]["template"]["spec"]["containers"]:
                found.append((f"k8s {obj['metadata']['name']}", container["command"]))
    return found


@pytest.mark.parametrize("where,command", pantau_commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_pantau_command_parses(where, command):
    args = build_parser().parse_args(command[1:])
    if hasattr(args, "port") and args.command != "simulator":
        assert args.port == 8080, where


def test_compose_mounts_exist_and_prometheus_scrapes_every_role():
    services = compose()["services"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    for role in [*ROLES, "serve"]:
        assert f"{role}:8080" in targets


def test_compose_settings_file_loads():
    from pantau.config import load_settings

    settings = load_settings(str(DEPLOY / "config" / "pantau.toml"), {})
    assert settings.store_url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in settings.store_url
    assert settings.kafka.broker == "kafka://kafka:9092"
    assert {s["stream_id"] for s in settings.streams} == {"batik-laweyan", "grosir-impor-murah",
                                                          "shenzhen-gadget-direct"}


def test_kubernetes_manifests_match_the_schema():
    v = validator("kubernetes.schema.json")
    objects = k8s_objects()
    assert {o["kind"] for o in objects} == {"Namespace", "Secret", "Deployment", "Service"}
    for obj in objects:
        assert errors(v, obj) == [], obj["metadata"]["name"]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert errors(v, kustomization) == []
    assert sorted(kustomization["resources"]) == sorted(p.name for p in K8S.glob("*.yaml")
                                                        if p.name != "kustomization.yaml")


def test_kubernetes_schema_catches_mistakes():
    v = validator("kubernetes.schema.json")
    deployment = next(o for o in k8s_objects() if o["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    container = broken["spec"]["template"]["spec"]["containers"][0]
    del container["readinessProbe"]
    container["resources"]["requests"]["memory"] = "lots"
    container["livenessprobe"] = container["livenessProbe"]
    found = "\n".join(errors(v, broken))
    assert "readinessProbe" in found and "livenessprobe" in found


def test_kubernetes_roles_are_wired():
    objects = k8s_objects()
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    services = [o for o in objects if o["kind"] == "Service"]
    secrets = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Secret"}
    assert set(deployments) == {*ROLES, "serve"}
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items(), name
        pod = spec["template"]["spec"]
        [container] = pod["containers"]
        port_names = {p["name"] for p in container["ports"]}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["port"] in port_names, name
        for volume in pod["volumes"]:
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets
        assert pod["securityContext"]["runAsNonRoot"] is True
    # Each role has a headless Service selecting its pods (how Prometheus finds them).
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        headless = [s for s in services if s["spec"].get("clusterIP") == "None"
                    and s["spec"]["selector"].items() <= labels.items()]
        assert [s["metadata"]["name"] for s in headless] == [f"{name}-pods"]
    prometheus = (DEPLOY / "prometheus" / "prometheus-kubernetes.yml").read_text()
    for name in deployments:
        assert f"{name}-pods.pantau.svc.cluster.local" in prometheus


def test_kubernetes_settings_file_loads(tmp_path):
    from pantau.config import load_settings

    secret = next(o for o in k8s_objects() if o["kind"] == "Secret")
    path = tmp_path / "pantau.toml"
    path.write_text(secret["stringData"]["pantau.toml"])
    settings = load_settings(str(path), {})
    assert settings.server.port == 8080 and settings.kafka.broker.startswith("kafka://")
    assert settings.store_url.startswith("postgresql+asyncpg://")
