"""The Kubernetes manifests in `deploy/` are valid against the Kubernetes OpenAPI schema and run our roles."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from cognify.cli import app as cli

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DOCS = [doc for path in sorted(DEPLOY.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]
ROLES = {c.name or (c.callback.__name__ if c.callback else "") for c in cli.registered_commands}


def by_name(name: str) -> dict:
    return next(d for d in DOCS if d["metadata"]["name"] == name)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_is_valid_kubernetes(doc: dict) -> None:
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_each_role_runs_a_cognify_command_with_the_settings_it_needs() -> None:
    assert {d["kind"] for d in DOCS} == {"Deployment", "Service", "Job"}
    for doc in DOCS:
        if doc["kind"] == "Service":
            continue
        [container] = doc["spec"]["template"]["spec"]["containers"]
        program, role, *_ = container["command"]
        assert program == "cognify" and role in ROLES, container["command"]
        env = {e["name"] for e in container["env"]}
        assert "DATABASE_URL" in env and (role == "migrate" or {"REDIS_URL", "COGNIFY_SECRET_KEY"} <= env)
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]


def test_api_has_probes_beat_is_a_singleton() -> None:
    [api] = by_name("cognify-api")["spec"]["template"]["spec"]["containers"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    beat = by_name("cognify-beat")["spec"]
    assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"
    assert by_name("cognify-migrate")["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_the_validator_refuses_a_broken_manifest() -> None:
    broken = yaml.safe_load((DEPLOY / "beat.yaml").read_text())
    broken["spec"]["replicas"] = "one"
    broken["spec"]["template"]["spec"]["containers"][0]["comand"] = ["typo"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)
