"""One process per role (`cognify api`, `worker`, `beat`, `migrate`) for systemd, Kubernetes or a PaaS.

The role commands run against servers the operator provides (`DATABASE_URL`, `REDIS_URL`) and start
nothing embedded; `cognify up` runs the same commands as supervised children on embedded defaults.
Each replaces itself with its server process (`exec`), so the service manager's signals reach it.
"""

import os
import sys
from pathlib import Path
from typing import NoReturn

from cognify.errors import ConfigurationError
from cognify.settings import Settings


def api_args(host: str, port: int, workers: int = 1, grace: int = 25) -> list[str]:
    """uvicorn serving the API; several worker processes share the port. On SIGTERM it stops accepting
    and gives running requests (SSE streams) `grace` seconds before it cuts them (each cut stream is
    settled and ledgered by the gateway as it ends)."""
    args = ["uvicorn", "cognify.app:create_app", "--factory", "--host", host, "--port", str(port),
            "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", str(grace)]
    return args + (["--workers", str(workers)] if workers > 1 else [])


def worker_args(concurrency: int = 2) -> list[str]:
    """A Celery worker for every task queue."""
    return ["celery", "-A", "cognify.worker", "worker", "--loglevel", "INFO", "--concurrency",
            str(concurrency), "--without-gossip", "--without-mingle"]


def beat_args(schedule: Path) -> list[str]:
    """Celery beat, the periodic scheduler: run exactly one per deployment."""
    return ["celery", "-A", "cognify.worker", "beat", "--loglevel", "INFO", "--schedule", str(schedule)]


def require(settings: Settings, *names: str) -> None:
    """Refuse to start a role without the servers it needs."""
    values = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url}
    missing = [name for name in names if not values[name]]
    if missing:
        raise ConfigurationError(f"{' and '.join(missing)} not set: role commands run against your "
                                 "servers (`cognify up` starts embedded ones)")


def exec_module(args: list[str]) -> NoReturn:
    """Become `python -m <args>`."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", *args])
