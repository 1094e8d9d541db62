"""The CLI: JSON on success, a one-line error and non-zero exit on bad arguments."""

import json
import os
import subprocess
import sys
import uuid

import pytest


def cognify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cognify.cli", *args], capture_output=True,
                          text=True, env=os.environ.copy(), timeout=120)


@pytest.fixture(scope="module")
def tenant_slug(services) -> str:
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    result = cognify("tenant", "create", "--slug", slug, "--name", "CLI Academy", "--region", "eu",
                     "--owner-email", "boss@cli.example.com", "--owner-password", "long-enough-pw")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["slug"] == slug and uuid.UUID(payload["tenant_id"]) and uuid.UUID(payload["owner_id"])
    return slug


def test_tenant_and_user_create_print_json_and_can_log_in(client, tenant_slug) -> None:
    result = cognify("user", "create", "--tenant", tenant_slug, "--email", "t@cli.example.com",
                     "--password", "long-enough-pw", "--role", "teacher", "--full-name", "T Eacher")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["role"] == "teacher"
    token = client.post("/api/v1/auth/token", data={
        "username": "t@cli.example.com", "password": "long-enough-pw", "tenant": tenant_slug})
    assert token.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["id"] == created["user_id"] and me.json()["full_name"] == "T Eacher"


@pytest.mark.parametrize("args, message", [
    (["user", "create", "--tenant", "no-such", "--email", "a@b.co", "--password", "long-enough",
      "--role", "student"], "no active tenant"),
    (["user", "create", "--tenant", "x", "--email", "bad", "--password", "long-enough",
      "--role", "student"], "email"),
    (["user", "create", "--tenant", "x", "--email", "a@b.co", "--password", "long-enough",
      "--role", "wizard"], "role"),
    (["tenant", "create", "--slug", "Bad Slug!", "--name", "x", "--owner-email", "a@b.co",
      "--owner-password", "long-enough"], "slug"),
])
def test_bad_arguments_give_one_line_errors(services, args, message) -> None:
    result = cognify(*args)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_duplicate_slug_is_refused(tenant_slug) -> None:
    result = cognify("tenant", "create", "--slug", tenant_slug, "--name", "Again",
                     "--owner-email", "x@cli.example.com", "--owner-password", "long-enough-pw")
    assert result.returncode == 1 and "already exists" in result.stderr


def test_help_everywhere() -> None:
    for args in ([], ["up"], ["db"], ["tenant", "create"], ["user", "create"]):
        result = cognify(*args, "--help")
        assert result.returncode == 0 and "Usage" in result.stdout, args
    missing = cognify("tenant", "create", "--slug", "x")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
