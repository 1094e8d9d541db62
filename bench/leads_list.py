"""Benchmark: GET /api/v1/leads latency (p50/p95) with 10,000 leads in a tenant.

Starts an embedded PostgreSQL in a temporary directory, migrates it, bulk-inserts leads (plus a
noisy neighbour tenant of the same size, so row-level security has something to filter), serves
the app with uvicorn on a free port and times a few hundred requests per scenario.

    uv run python bench/leads_list.py [--leads 10000] [--requests 100] [--testclient]

Prints a table and, last, one JSON line.
"""

import argparse
import json
import os
import random
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FIRST = ["Priya", "Arjun", "Meera", "Rahul", "Ananya", "Vikram", "Sara", "Omar", "Lena", "Kofi",
         "Chen", "Maria", "Tom", "Aisha", "Ivan", "Yuki", "Noah", "Emma", "Ravi", "Zara"]
LAST = ["Shah", "Patel", "Iyer", "Khan", "Singh", "Garcia", "Smith", "Okafor", "Novak", "Tanaka",
        "Müller", "Rossi", "Kim", "Silva", "Cohen", "Nair", "Das", "Lopez", "Brown", "Mensah"]
SOURCES = ["webinar", "form", "whatsapp", "referral", "ads", "event"]
STATUSES = ["new"] * 4 + ["contacted"] * 3 + ["qualified"] * 2 + ["won", "lost"]
TAGS = ["oct-webinar", "data-science", "mba", "python", "scholarship", "weekend", "hot", "cold"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _lead_rows(tenant_id: uuid.UUID, count: int, rng: random.Random) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"{name.lower().replace(' ', '.')}.{n}@example.com"
        contact = {"email": email, "phone": f"+91{9_000_000_000 + n}"}
        created = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        rows.append({
            "id": uuid.uuid4(), "tenant_id": tenant_id, "name": name, "source": rng.choice(SOURCES),
            "status": rng.choice(STATUSES), "contact": contact, "contact_key": f"email:{email}",
            "tags": rng.sample(TAGS, rng.randrange(0, 3)), "notes": "", "created_at": created,
            "updated_at": created,
        })
    return rows


def seed(count: int, seed_value: int = 7) -> tuple[uuid.UUID, dict[str, str]]:
    """Two tenants with `count` leads each; the first tenant's admin headers."""
    from sqlalchemy import insert, text

    from cognify.db import TenantSession, owner_engine
    from cognify.security import Role, TokenClaims, create_access_token
    from domain.crm.models import Lead
    from domain.identity.models import User
    from domain.tenancy.models import Tenant

    rng = random.Random(seed_value)
    tenants = [uuid.uuid4(), uuid.uuid4()]
    admin = User(tenant_id=tenants[0], email="admin@bench.example.com", role=Role.admin)
    for tenant_id in tenants:
        with TenantSession(owner_engine(), tenant_id) as session, session.begin():
            session.add(Tenant(id=tenant_id, slug=f"bench-{tenant_id.hex[:8]}", name="Bench"))
    with TenantSession(owner_engine(), tenants[0]) as session, session.begin():
        session.add(admin)
    for tenant_id in tenants:
        rows = _lead_rows(tenant_id, count, rng)
        with TenantSession(owner_engine(), tenant_id) as session, session.begin():
            for start in range(0, len(rows), 2000):
                session.execute(insert(Lead).values(rows[start:start + 2000]))
    with owner_engine().connect() as conn:
        conn.execute(text("ANALYZE leads"))
        conn.commit()
    token, _ = create_access_token(TokenClaims(admin.id, tenants[0], Role.admin))
    return tenants[0], {"Authorization": f"Bearer {token}"}


@contextmanager
def serve(use_testclient: bool) -> Iterator[Callable[[str, dict[str, str]], Any]]:
    """A `get(path, headers)` against the app: uvicorn on a free port, or an in-process TestClient."""
    from cognify.app import create_app

    if use_testclient:
        from fastapi.testclient import TestClient

        with TestClient(create_app()) as client:
            yield lambda path, headers: client.get(path, headers=headers)
        return
    import httpx
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield lambda path, headers: client.get(path, headers=headers)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def measure(get: Callable[[str, dict[str, str]], Any], headers: dict[str, str],
            scenarios: dict[str, str], requests: int) -> dict[str, dict[str, Any]]:
    """Latency in milliseconds per scenario, after a short warm-up."""
    results: dict[str, dict[str, Any]] = {}
    for name, path in scenarios.items():
        for _ in range(5):
            get(path, headers)
        samples = []
        count = 0
        for _ in range(requests):
            started = time.perf_counter()
            response = get(path, headers)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
            count = response.json()["count"]
        results[name] = {"path": path, "matches": count, "p50_ms": round(percentile(samples, 0.5), 2),
                         "p95_ms": round(percentile(samples, 0.95), 2),
                         "mean_ms": round(statistics.fmean(samples), 2)}
    return results


def main() -> None:
    """Set up, seed, serve, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per scenario")
    parser.add_argument("--testclient", action="store_true", help="in-process TestClient, no uvicorn")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cognify-bench-") as tmp:
        os.environ.update({"COGNIFY_ENV": "test", "COGNIFY_DATA_DIR": str(Path(tmp) / "data"),
                           "COGNIFY_SECRET_KEY": secrets.token_urlsafe(48), "COGNIFY_LOG_LEVEL": "WARNING"})
        from cognify.embedded import EmbeddedPostgres

        pg = EmbeddedPostgres(Path(tmp) / "pg", delete_on_stop=True)
        os.environ["DATABASE_URL"] = pg.start()
        try:
            from cognify import dbadmin
            from cognify.db import dispose_engines
            from cognify.settings import get_settings

            get_settings.cache_clear()
            dbadmin.upgrade()
            started = time.perf_counter()
            _, headers = seed(args.leads)
            seed_s = time.perf_counter() - started
            scenarios = {
                "default page": "/api/v1/leads",
                "filter status": "/api/v1/leads?status=qualified",
                "filter + sort": "/api/v1/leads?status=new&source=webinar&sort=-updated_at",
                "sort by name": "/api/v1/leads?sort=name",
                "tag filter": "/api/v1/leads?tag=scholarship",
                "text search": "/api/v1/leads?q=priya.shah",
                "deep page": "/api/v1/leads?offset=5000&limit=50",
            }
            with serve(args.testclient) as get:
                load_before = os.getloadavg()[0]
                results = measure(get, headers, scenarios, args.requests)
            dispose_engines()
        finally:
            pg.stop()

    server = "TestClient" if args.testclient else "uvicorn"
    print(f"\nGET /api/v1/leads, {args.leads:,} leads in the tenant (+{args.leads:,} in another), "
          f"{args.requests} requests per scenario, {server}; seeded in {seed_s:.1f} s; "
          f"load average {load_before:.1f} on {os.cpu_count()} CPUs")
    print(f"{'scenario':<16} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}  path")
    for name, r in results.items():
        row = f"{name:<16} {r['matches']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['mean_ms']:>8}"
        print(f"{row}  {r['path']}")
    print(json.dumps({"bench": "leads_list", "leads": args.leads, "requests_per_scenario": args.requests,
                      "server": server, "load_avg_1m": round(load_before, 2), "cpus": os.cpu_count(),
                      "scenarios": results}))


if __name__ == "__main__":
    main()
