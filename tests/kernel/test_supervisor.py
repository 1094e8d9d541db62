"""The supervisor restarts a dying child with a doubling pause; an API that never started stops it."""

import json
import time
from pathlib import Path

import pytest

from cognify.settings import Settings
from cognify.supervisor import Child, Platform


def platform(tmp_path: Path) -> Platform:
    settings = Settings(data_dir=tmp_path, secret_key="x" * 40, env="test")
    p = Platform(settings)
    p.env = {"PATH": "/usr/bin:/bin"}
    return p


def run_for(p: Platform, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        p.supervise()
        time.sleep(0.05)


def test_a_crashing_child_restarts_with_doubling_backoff(tmp_path: Path) -> None:
    p = platform(tmp_path)
    p._add("flaky", "json.tool", str(tmp_path / "missing.json"))  # exits 2 at once (no such file), every time
    p._add("steady", "http.server", "--bind", "127.0.0.1", "0")
    try:
        run_for(p, 3.6)  # exits at ~0, restarts at ~1 s, exits, restarts at ~3 s (1 + 2)
        flaky = p.children["flaky"]
        assert flaky.restarts == 2
        assert flaky.last_exit == 2 and flaky.backoff == 8.0
        assert p.children["steady"].state == "running" and p.children["steady"].restarts == 0
        state = json.loads(p.state_file.read_text())
        assert state["flaky"]["restarts"] == 2 and state["steady"]["state"] == "running"
    finally:
        p.stop(grace=5)
    assert all(c.state == "stopped" for c in p.children.values())
    assert json.loads(p.state_file.read_text())["steady"]["state"] == "stopped"


def test_an_api_that_dies_before_ready_stops_the_platform(tmp_path: Path) -> None:
    p = platform(tmp_path)
    p._add("api", "json.tool", str(tmp_path / "missing.json"))
    p.children["api"].proc.wait()
    with pytest.raises(RuntimeError, match="API exited with code 2 before it was ready"):
        p.supervise()
    p.api_was_ready = True
    p.children["api"] = Child("api", ("json.tool", str(tmp_path / "missing.json")))
    p._launch(p.children["api"])
    p.children["api"].proc.wait()
    p.supervise()  # once it has served, an API crash is a restart like any other
    assert p.children["api"].state == "restarting"
    p.stop(grace=1)


def test_child_state_reaches_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prometheus_client import generate_latest

    import cognify.metrics  # noqa: F401 - registers the collector

    (tmp_path / "supervisor.json").write_text(json.dumps(
        {"model": {"state": "restarting", "pid": None, "restarts": 3, "last_exit": -4}}))
    monkeypatch.setenv("COGNIFY_SUPERVISOR_STATE", str(tmp_path / "supervisor.json"))
    text = generate_latest().decode()
    assert 'cognify_child_up{child="model"} 0.0' in text
    assert 'cognify_child_restarts_total{child="model"} 3.0' in text
