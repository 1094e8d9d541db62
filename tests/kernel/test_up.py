"""`cognify up` on a temporary data directory: ready, log in, stop cleanly, restart on the same data."""

import os
import signal
import socket
import subprocess
import sys
import threading
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

    def __init__(self, data_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.pop("COGNIFY_SECRET_KEY", None)
        env["COGNIFY_ENV"] = "development"
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


@pytest.mark.timeout(900)
def test_up_serves_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    first = Up(data_dir, port)
    assert first.ready.wait(120), "".join(first.lines)
    assert any(line.startswith("ready in") for line in first.lines), "".join(first.lines)
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/readyz").json()["checks"] == {"database": "ok", "redis": "ok"}
    output = "".join(first.lines)
    assert str(data_dir) in output and "initial-credentials.txt" in output
    creds = dict(
        line.split(": ", 1) for line in (data_dir / "initial-credentials.txt").read_text().splitlines()
    )
    form = {"username": creds["email"], "password": creds["password"], "tenant": creds["tenant"]}
    assert httpx.post(f"{base}/api/v1/auth/token", data=form).status_code == 200
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
