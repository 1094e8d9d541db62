"""Events relayed per second through the outbox and a real Celery worker on this machine.

Starts embedded PostgreSQL and Valkey (or uses DATABASE_URL / REDIS_URL), migrates, makes a
tenant, emits N events (one handler each, a KPI insert in its own tenant transaction) in
batches of one transaction, and times until every event is processed by a `celery worker`.

    uv run python bench/outbox_throughput.py --events 2000 --concurrency 4
    CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672// uv run python bench/outbox_throughput.py
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HANDLER_MODULE = "bench_outbox_handler"
HANDLER_SOURCE = '''
from sqlalchemy import text
from cognify.events import handlers

@handlers.on("bench.tick", name="bench.tick")
def tick(session, event):
    session.execute(text("INSERT INTO kpi_events (id, event_type, source, tags, properties) "
                         "VALUES (:id, 'bench.tick', 'bench', '{}', '{}')"), {"id": event.id})
'''


def main() -> None:
    """Run the benchmark and print events per second."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cognify-bench-"))
    os.environ.setdefault("COGNIFY_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["COGNIFY_DATA_DIR"] = str(root / "data")
    from cognify.embedded import EmbeddedPostgres, EmbeddedValkey

    started = []
    if not os.environ.get("DATABASE_URL"):
        pg = EmbeddedPostgres(root / "pg", delete_on_stop=True)
        os.environ["DATABASE_URL"] = pg.start()
        started.append(pg)
    if not os.environ.get("REDIS_URL"):
        valkey = EmbeddedValkey(root / "valkey", persist=False)
        os.environ["REDIS_URL"] = valkey.start()
        started.append(valkey)
    (root / f"{HANDLER_MODULE}.py").write_text(HANDLER_SOURCE)
    worker = None
    try:
        worker = run(args, root)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        for service in reversed(started):
            service.stop()


def run(args: argparse.Namespace, root: Path) -> subprocess.Popen[bytes]:
    """Migrate, start the worker, emit and time."""
    from sqlalchemy import text

    from cognify import dbadmin
    from cognify.db import tenant_session
    from cognify.events import emit
    from cognify.worker import app
    from domain.identity.models import UserCreate
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate

    broker = os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"]  # the worker reads the same env
    app.conf.broker_url = broker
    dbadmin.upgrade()
    tenant, _ = provision_tenant(TenantCreate(slug="bench", name="Bench"),
                                 UserCreate(email="o@bench.example.com", password="x" * 12, role="owner"))
    log = (root / "worker.log").open("wb")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cognify.worker", "worker", "--pool", "threads",
         "--concurrency", str(args.concurrency), "--include", HANDLER_MODULE, "--loglevel", "INFO",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    while " ready." not in (root / "worker.log").read_text(errors="replace"):
        if worker.poll() is not None:
            raise SystemExit("worker died; see " + str(root / "worker.log"))
        time.sleep(0.2)

    def pending() -> int:
        with tenant_session(tenant.id) as session:
            return int(session.execute(text(
                "SELECT count(*) FROM outbox_events WHERE processed_at IS NULL")).scalar_one())

    start = time.perf_counter()
    for first in range(0, args.events, args.batch):
        with tenant_session(tenant.id) as session:
            for _ in range(min(args.batch, args.events - first)):
                emit(session, "bench.tick", {})
    emitted = time.perf_counter() - start
    while pending():
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    print(f"{args.events} events: emitted in {emitted:.2f}s, all handled in {elapsed:.2f}s -> "
          f"{args.events / elapsed:.0f} events/s relayed (worker threads={args.concurrency}, "
          f"broker {broker.split('://')[0]})")
    return worker


if __name__ == "__main__":
    main()
