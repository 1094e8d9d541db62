"""The role commands as real processes: `cognify migrate`, `api --workers`, `worker`, `beat`."""

import time
from pathlib import Path

import httpx
import psutil
import pytest
from roles_helpers import Role, free_port

BAD_CONFIG = ("model_list:\n  - model_name: chat\n    litellm_params: {model: openai/x, api_base: "
              "'http://127.0.0.1:9/v1'}\npolicies:\n  default: {rpm: 0}\n")
GOOD_CONFIG = ("model_list:\n  - model_name: chat\n    litellm_params: {model: openai/x, api_base: "
               "'http://127.0.0.1:9/v1', api_key: k}\n")


def test_migrate_applies_migrations_to_database_url() -> None:
    role = Role("migrate")
    assert role.proc.wait(timeout=120) == 0, role.output
    assert "database is up to date" in role.output


@pytest.mark.parametrize("command", ["api", "worker", "beat", "migrate"])
def test_a_role_without_its_servers_refuses_to_start(command: str) -> None:
    role = Role(command, drop=("DATABASE_URL", "REDIS_URL"))
    assert role.proc.wait(timeout=60) == 1
    assert "DATABASE_URL" in role.output and "not set" in role.output, role.output


def test_api_with_an_invalid_gateway_config_stops_before_serving(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(BAD_CONFIG)
    port = free_port()
    role = Role("api", "--port", str(port), COGNIFY_GATEWAY_CONFIG=str(config))
    assert role.proc.wait(timeout=120) == 1
    assert "policies.default.rpm" in role.output, role.output
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz")


def test_api_workers_serve_one_port_and_stop_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(GOOD_CONFIG)
    port = free_port()
    role = Role("api", "--port", str(port), "--workers", "2", COGNIFY_GATEWAY_CONFIG=str(config))
    deadline, ready = time.monotonic() + 120, None
    while time.monotonic() < deadline and role.proc.poll() is None:
        try:
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    assert ready is not None and ready.status_code == 200, role.output
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok", "gateway": "ok"}
    served_by = {httpx.get(f"http://127.0.0.1:{port}/healthz").status_code for _ in range(20)}
    assert served_by == {200}
    assert len(psutil.Process(role.proc.pid).children(recursive=True)) >= 2  # the two API workers
    assert role.stop() == 0, role.output


# Beat is stopped once it is in its loop (it has sent its first due task), not while it still connects.
@pytest.mark.parametrize(("args", "ready_line"), [(("worker", "--concurrency", "1"), "ready."),
                                                   (("beat",), "Sending due task")])
def test_worker_and_beat_start_and_stop_on_sigterm(args: tuple[str, ...], ready_line: str,
                                                    tmp_path: Path) -> None:
    extra = ("--schedule", str(tmp_path / "schedule")) if args[0] == "beat" else ()
    role = Role(*args, *extra)
    assert role.wait_for_line(ready_line, timeout=120), role.output
    assert role.stop() == 0, role.output
