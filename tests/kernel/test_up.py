"""`cognify up` on a temporary data directory: ready, log in, stop cleanly, restart on the same data."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Up:
    """A running `cognify up` whose stderr is watched for its ready line."""

    def __init__(self, data_dir: Path, port: int, **extra_env: str) -> None:
        inherited = ("DATABASE_URL", "REDIS_URL", "COGNIFY_GATEWAY_CONFIG", "COGNIFY_GATEWAY_LOCAL_URL")
        env = {k: v for k, v in os.environ.items() if k not in inherited}
        env.pop("COGNIFY_SECRET_KEY", None)
        env.update(COGNIFY_ENV="development", COGNIFY_MODEL_PORT=str(free_port()), **extra_env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cognify.cli", "up", "--data-dir", str(data_dir),
             "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if line.startswith("ready in") or line.startswith("error:"):
                self.ready.set()
        self.ready.set()

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def children(self, data_dir: Path) -> dict[str, dict]:
        return json.loads((data_dir / "supervisor.json").read_text())

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def leftovers(data_dir: Path, pids: set[int]) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if proc.info["pid"] in pids or str(data_dir) in cmdline:
            found.append(f"{proc.info['pid']}: {cmdline}")
    return found


def copilot_turn(base: str, headers: dict[str, str], text: str) -> dict:
    api = f"{base}/api/v1/agents/copilot/threads"
    thread = httpx.post(api, headers=headers).json()["thread_id"]
    reply = httpx.post(f"{api}/{thread}/messages", json={"content": text}, timeout=120,
                       headers={**headers, "Accept": "application/json"})
    assert reply.status_code == 200, reply.text
    return reply.json()


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_bad_gateway_config_stops_up_before_ready(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("model_list:\n  - model_name: chat\n    litellm_params: {model: openai/x, api_base: "
                      "'http://127.0.0.1:9/v1'}\npolicies:\n  default: {rpm: 0}\n")
    up = Up(tmp_path / "data", free_port(), COGNIFY_GATEWAY_CONFIG=str(config))
    assert up.proc.wait(timeout=120) == 1
    up.ready.wait(10)
    output = "".join(up.lines)
    assert "policies.default.rpm" in output and "ready in" not in output, output


@pytest.mark.timeout(900)
def test_up_serves_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    first = Up(data_dir, port)
    assert first.ready.wait(120), "".join(first.lines)
    assert any(line.startswith("ready in") for line in first.lines), "".join(first.lines)
    base = f"http://127.0.0.1:{port}"
    ready = httpx.get(f"{base}/readyz").json()
    assert ready == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "gateway": "ok"},
                     "ledger": {"backlog": 0, "dead": 0}}, ready
    output = "".join(first.lines)
    assert str(data_dir) in output and "initial-credentials.txt" in output
    creds = dict(
        line.split(": ", 1) for line in (data_dir / "initial-credentials.txt").read_text().splitlines()
    )
    form = {"username": creds["email"], "password": creds["password"], "tenant": creds["tenant"]}
    token = httpx.post(f"{base}/api/v1/auth/token", data=form)
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    # The first copilot turns after start, two at once, on the embedded SmolLM2 through the gateway.
    with ThreadPoolExecutor(2) as pool:
        turns = list(pool.map(lambda text: copilot_turn(base, headers, text), ["0", "List my open tasks"]))
    assert [t["status"] for t in turns] == ["complete", "complete"], turns

    def ledgered() -> dict | None:  # real model calls through the gateway, in the usage ledger
        usage = httpx.get(f"{base}/api/v1/gateway/usage", params={"group_by": "deployment"}, headers=headers)
        row = {r["key"]: r for r in usage.json()["data"]}.get("local-copilot")
        return row if row and row["calls"] >= 2 else None

    try:
        row = wait_for(ledgered)
    except AssertionError:
        usage = httpx.get(f"{base}/api/v1/gateway/usage", params={"group_by": "deployment"}, headers=headers)
        log = "".join(first.lines[-80:])
        raise AssertionError(f"usage: {usage.text}\nturns: {turns}\nlog:\n{log}") from None
    assert row["completion_tokens"] > 0

    # A crashing child is restarted while the rest keeps serving.
    model = first.children(data_dir)["model"]
    os.kill(model["pid"], signal.SIGKILL)
    assert httpx.get(f"{base}/healthz").status_code == 200
    assert httpx.post(f"{base}/api/v1/auth/token", data=form).status_code == 200
    back = wait_for(lambda: (c := first.children(data_dir)["model"])["state"] == "running"
                    and c["pid"] != model["pid"] and c)
    assert back["restarts"] == 1 and back["last_exit"] == -signal.SIGKILL
    assert 'cognify_child_restarts_total{child="model"} 1.0' in httpx.get(f"{base}/metrics").text
    wait_for(lambda: httpx.get(f"{base}/readyz").json().get("degraded") is None)
    assert copilot_turn(base, headers, "Hello again")["status"] == "complete"
    assert first.proc.poll() is None

    children = {p.pid for p in first.descendants()}
    assert len(children) >= 3
    assert first.stop() == 0
    assert leftovers(data_dir, children) == []

    second = Up(data_dir, port)
    assert second.ready.wait(120), "".join(second.lines)
    token = httpx.post(f"{base}/api/v1/auth/token", data=form)
    assert token.status_code == 200, "data did not survive the restart"
    children = {p.pid for p in second.descendants()}
    assert second.stop() == 0
    assert leftovers(data_dir, children) == []
