"""`cognify up`: embedded services, migrations, then the API, a Celery worker and beat."""

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from cognify.embedded import EmbeddedPostgres, EmbeddedValkey
from cognify.settings import Settings


class Service(Protocol):
    """Something `up` starts before its processes and stops after them."""

    def start(self) -> str: ...
    def stop(self) -> None: ...


@dataclass
class Platform:
    """What `cognify up` runs, and how it stops it."""

    settings: Settings
    services: list[Service] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start_services(self) -> None:
        """Start embedded PostgreSQL and Valkey unless DATABASE_URL / REDIS_URL name servers."""
        data_dir = self.settings.data_dir.resolve()
        self.env = dict(os.environ, COGNIFY_DATA_DIR=str(data_dir),
                        COGNIFY_SECRET_KEY=self.settings.secret_key)
        if not self.settings.database_url:
            pg = EmbeddedPostgres(data_dir / "postgres")
            self.env["DATABASE_URL"] = self.settings.database_url = self._start(pg)
        if not self.settings.redis_url:
            valkey = EmbeddedValkey(data_dir / "valkey")
            self.env["REDIS_URL"] = self.settings.redis_url = self._start(valkey)
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL") if k in self.env})

    def _start(self, service: Service) -> str:
        url = service.start()
        self.services.append(service)
        return url

    def spawn(self, name: str, *args: str) -> None:
        """Start a child process in its own session, sharing our stdout and stderr."""
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", *args], env=self.env, start_new_session=True
        )

    def spawn_all(self) -> None:
        """The API server, a Celery worker and Celery beat."""
        s = self.settings
        if not s.gateway_config:  # the gateway's embedded default: a local llama.cpp model server
            self.spawn("model", "gateway.local", "--port", "8765")
        self.spawn("api", "uvicorn", "cognify.app:create_app", "--factory", "--host", s.host,
                   "--port", str(s.port), "--no-access-log", "--log-level", "warning")
        self.spawn("worker", "celery", "-A", "cognify.worker", "worker", "--loglevel", "INFO",
                   "--concurrency", "2", "--without-gossip", "--without-mingle")
        beat_schedule = s.data_dir.resolve() / "celerybeat-schedule"
        self.spawn("beat", "celery", "-A", "cognify.worker", "beat", "--loglevel", "INFO",
                   "--schedule", str(beat_schedule))

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Seconds until /readyz answers 200; raises if a child dies or time runs out."""
        started = time.monotonic()
        url = f"http://{self.settings.host}:{self.settings.port}/readyz"
        while time.monotonic() - started < timeout and not self.stopping.is_set():
            self.check_children()
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            self.stopping.wait(0.2)
        raise RuntimeError(f"the API did not become ready within {timeout:.0f}s")

    def check_children(self) -> None:
        """Raise if any child has exited."""
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode}")

    def watch(self) -> None:
        """Block until a signal arrives or a child dies."""
        while not self.stopping.wait(0.5):
            self.check_children()

    def stop(self, grace: float = 15.0) -> None:
        """Stop children (SIGTERM, then SIGKILL after the grace period), then the services."""
        self.stopping.set()
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for service in reversed(self.services):
            service.stop()

    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM stop the platform."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())


def credentials_file(data_dir: Path) -> Path:
    """Where `up` writes the first owner's credentials."""
    return data_dir / "initial-credentials.txt"
