"""`cognify up`: embedded services, migrations, then the API, a Celery worker, beat and the local model.

A child that dies is started again after a pause that doubles from 1 s to 30 s (and resets once it
has stayed up a minute), while the others keep serving; each change is written to a state file the
API reports in `/readyz` and `/metrics`. Only a signal stops the platform, or the API failing before
it was ever ready (a start-up error such as a bad config would only repeat).
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from cognify import roles
from cognify.embedded import EmbeddedPostgres, EmbeddedValkey
from cognify.logging import get_logger
from cognify.settings import Settings

log = get_logger("cognify.supervisor")
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0
STATE_ENV = "COGNIFY_SUPERVISOR_STATE"


class Service(Protocol):
    """Something `up` starts before its processes and stops after them."""

    def start(self) -> str: ...
    def stop(self) -> None: ...


@dataclass
class Child:
    """One supervised process: how to start it and how it has fared."""

    name: str
    args: tuple[str, ...]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = FIRST_BACKOFF_S
    due: float | None = None
    last_exit: int | None = None

    @property
    def state(self) -> str:
        """`running`, `restarting` (waiting for its next start) or `stopped`."""
        if self.proc is not None and self.proc.poll() is None:
            return "running"
        return "restarting" if self.due is not None else "stopped"

    def report(self) -> dict[str, Any]:
        """What the state file says of this child."""
        return {"state": self.state, "pid": self.proc.pid if self.proc else None,
                "restarts": self.restarts, "last_exit": self.last_exit}


@dataclass
class Platform:
    """What `cognify up` runs, and how it keeps it running and stops it."""

    settings: Settings
    services: list[Service] = field(default_factory=list)
    children: dict[str, Child] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    api_was_ready: bool = False

    @property
    def state_file(self) -> Path:
        """Where the children's states are written for the API to read."""
        return self.settings.data_dir.resolve() / "supervisor.json"

    @property
    def model_url(self) -> str | None:
        """The embedded model server's OpenAI base URL, when `up` runs one."""
        if self.settings.gateway_config:
            return None
        return f"http://127.0.0.1:{self.settings.model_port}/v1"

    def start_services(self) -> None:
        """Start embedded PostgreSQL and Valkey unless DATABASE_URL / REDIS_URL name servers."""
        data_dir = self.settings.data_dir.resolve()
        self.env = dict(os.environ, COGNIFY_DATA_DIR=str(data_dir),
                        COGNIFY_SECRET_KEY=self.settings.secret_key, **{STATE_ENV: str(self.state_file)})
        if self.model_url:
            self.env["COGNIFY_GATEWAY_LOCAL_URL"] = self.model_url
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

    def spawn_all(self) -> None:
        """The local model server (embedded gateway only), the API, a Celery worker and Celery beat."""
        s = self.settings
        if self.model_url:
            self._add("model", "gateway.local", "--port", str(s.model_port))
        self._add("api", *roles.api_args(s.host, s.port, s.workers, s.shutdown_grace_seconds))
        self._add("worker", *roles.worker_args())
        self._add("beat", *roles.beat_args(s.data_dir.resolve() / "celerybeat-schedule"))
        self.write_state()

    def _add(self, name: str, *args: str) -> None:
        child = self.children[name] = Child(name, args)
        self._launch(child)

    def _launch(self, child: Child) -> None:
        """Start a child in its own session, sharing our stdout and stderr."""
        child.proc = subprocess.Popen([sys.executable, "-m", *child.args], env=self.env,
                                      start_new_session=True)
        child.started_at, child.due = time.monotonic(), None

    def supervise(self) -> None:
        """Restart children that died once their backoff has passed; raise if the API never came up."""
        now = time.monotonic()
        changed = False
        for child in self.children.values():
            if child.due is not None:
                if now >= child.due and not self.stopping.is_set():
                    child.restarts += 1
                    log.warning("child_restarting", child=child.name, restarts=child.restarts)
                    self._launch(child)
                    changed = True
                continue
            if child.proc is None or child.proc.poll() is None:
                continue
            child.last_exit = child.proc.returncode
            with contextlib.suppress(ProcessLookupError):  # what it started dies with it
                os.killpg(child.proc.pid, signal.SIGKILL)
            if child.name == "api" and not self.api_was_ready:
                raise RuntimeError(f"the API exited with code {child.last_exit} before it was ready")
            if now - child.started_at >= STABLE_AFTER_S:
                child.backoff = FIRST_BACKOFF_S
            child.due = now + child.backoff
            log.error("child_exited", child=child.name, code=child.last_exit,
                      restart_in_s=child.backoff)
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_S)
            changed = True
        if changed:
            self.write_state()

    def write_state(self) -> None:
        """Write every child's state atomically (the API reads it for /readyz and /metrics)."""
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({name: c.report() for name, c in self.children.items()}))
        tmp.replace(self.state_file)

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Seconds until /readyz answers 200 and the local model (if any) answers; raises on timeout."""
        started = time.monotonic()
        probes = [f"http://{self.settings.host}:{self.settings.port}/readyz"]
        if self.model_url:
            probes.append(f"{self.model_url}/models")
        pending = list(probes)
        while time.monotonic() - started < timeout and not self.stopping.is_set():
            self.supervise()
            pending = [url for url in pending if not _answers(url)]
            if probes[0] not in pending:
                self.api_was_ready = True
            if not pending:
                return time.monotonic() - started
            self.stopping.wait(0.2)
        raise RuntimeError(f"not ready within {timeout:.0f}s: {', '.join(pending)}")

    def watch(self) -> None:
        """Keep the children running until a signal arrives."""
        while not self.stopping.wait(0.5):
            self.supervise()

    def stop(self, grace: float | None = None) -> None:
        """Stop children (SIGTERM, then SIGKILL after the grace period: by default the API's own
        shutdown grace and 5 s more), then the services."""
        if grace is None:
            grace = self.settings.shutdown_grace_seconds + 5.0
        self.stopping.set()
        running = [c.proc for c in self.children.values() if c.proc is not None and c.proc.poll() is None]
        for proc in running:
            os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for child in self.children.values():
            child.due = None
        if self.children:
            self.write_state()
        for service in reversed(self.services):
            service.stop()

    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM stop the platform."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


def credentials_file(data_dir: Path) -> Path:
    """Where `up` writes the first owner's credentials."""
    return data_dir / "initial-credentials.txt"
