"""The deployment files parse and agree with the code (no Docker engine is needed to check this)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_file_runs_redis_without_persistence_and_two_rasa_replicas() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yml").read_text())
    services = compose["services"]
    assert {"redis", "rasa", "actions", "gateway"} <= set(services)
    assert services["redis"]["command"][-4:] == ["--save", "", "--appendonly", "no"]
    assert services["rasa"]["deploy"]["replicas"] == 2
    assert services["gateway"]["ports"] == ["127.0.0.1:8000:8000"]


def test_kubernetes_manifests_have_probes_and_resources() -> None:
    documents = [d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "survivor-support.yaml").read_text()) if d]
    deployments = [d for d in documents if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {"redis", "rasa", "actions", "gateway"}
    for deployment in deployments:
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert "readinessProbe" in container and "requests" in container["resources"]
            if deployment["metadata"]["name"] != "redis":
                assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_dockerfiles_run_as_non_root_and_copy_what_exists() -> None:
    for name in ("rasa.Dockerfile", "app.Dockerfile"):
        text = (ROOT / "deploy" / "docker" / name).read_text()
        assert "USER bot" in text
        for line in text.splitlines():
            if line.startswith("COPY "):
                for source in line.split()[1:-1]:
                    assert (ROOT / source.rstrip("/")).exists() or source.startswith("models"), f"{name}: {source} does not exist"


def test_gateways_scale_out_with_shared_keys_from_a_secret_never_the_config_map() -> None:
    documents = [d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "survivor-support.yaml").read_text()) if d]
    config = next(d for d in documents if d["kind"] == "ConfigMap")["data"]
    assert config["REDIS_HOST"] and not {"WEB_CLIENT_HASH_KEY", "TELEGRAM_HMAC_KEY"} & set(config)
    [gateway] = [d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "gateway"]
    assert gateway["spec"]["replicas"] >= 2
    env = {item["name"]: item for item in gateway["spec"]["template"]["spec"]["containers"][0]["env"]}
    for name in ("WEB_CLIENT_HASH_KEY", "TELEGRAM_HMAC_KEY"):
        assert "secretKeyRef" in env[name]["valueFrom"], name
