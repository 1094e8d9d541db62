"""Load: mixed traffic (bench/locustfile.py) against `cognify api` with 1 and 2 workers on this machine.

Starts embedded PostgreSQL and Valkey, a 20 ms OpenAI-compatible upstream for the gateway and the
copilot, `cognify api --workers N` and one `cognify worker`; seeds a tenant with leads and courses;
then runs Locust headless at increasing user counts. For each step it reports requests/s, p95 and
p99, the error rate, and the most PostgreSQL connections seen (pg_stat_activity, sampled every
0.5 s); the last line per worker count is the highest rate whose p95 stayed under 200 ms.
Locust shares the 2 cores with the servers, as a real client on the same machine would not: read
the numbers as a floor.

    uv run --group bench python bench/load.py [--workers 1 2] [--users 10 20 40 80] [--seconds 20]
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_overhead import free_port, upstream_app, wait_http  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
P95_TARGET_MS = 200.0
STAFF = 100


def platform(tmp: Path, upstream: str) -> tuple[dict[str, str], list[Any]]:
    """Embedded servers, migrations and a gateway config with `fast` and `copilot` on the upstream."""
    from cognify.embedded import EmbeddedPostgres, EmbeddedValkey

    postgres = EmbeddedPostgres(tmp / "pg", delete_on_stop=True)
    valkey = EmbeddedValkey(tmp / "vk", persist=False)
    env = dict(os.environ, COGNIFY_DATA_DIR=str(tmp / "data"), COGNIFY_LOG_LEVEL="WARNING",
               DATABASE_URL=postgres.start(), REDIS_URL=valkey.start())
    deployment = {"api_base": upstream, "api_key": "x"}
    info = {"input_cost_per_token": 1e-7, "output_cost_per_token": 2e-7, "external": False}
    models = [{"model_name": group, "litellm_params": {"model": f"openai/{group}", **deployment},
               "model_info": {"id": group, **info}} for group in ("fast", "copilot")]
    config = {"model_list": models,
              "router_settings": {"num_retries": 0},
              "policies": {"default": {"monthly_budget_usd": 1_000_000, "rpm": 10_000_000}}}
    (tmp / "gateway.yaml").write_text(json.dumps(config))
    env["COGNIFY_GATEWAY_CONFIG"] = str(tmp / "gateway.yaml")
    subprocess.run([sys.executable, "-m", "cognify.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    return env, [valkey, postgres]


def seed(env: dict[str, str], base: str) -> dict[str, str]:
    """The `bench` tenant, its owner, a virtual key, 50 leads and 10 courses; the locustfile's env."""
    created = subprocess.run(
        [sys.executable, "-m", "cognify.cli", "tenant", "create", "--slug", "bench", "--name", "Bench",
         "--owner-email", "o@bench.example.com", "--owner-password", PASSWORD],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    assert "tenant_id" in created.stdout, created.stdout
    made = subprocess.run([sys.executable, "-m", "cognify.cli", "keys", "create", "--tenant", "bench"],
                          env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    key = json.loads(made.stdout)["key"]
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "o@bench.example.com",
                                                          "password": PASSWORD, "tenant": "bench"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    for i in range(50):
        httpx.post(f"{base}/api/v1/leads", headers=headers, json={"name": f"Lead {i}"}).raise_for_status()
    for i in range(10):
        httpx.post(f"{base}/api/v1/courses", headers=headers, json={"title": f"C{i}"}).raise_for_status()
    for i in range(STAFF):  # each simulated staff member signs in as one of them, as a school's staff do
        httpx.post(f"{base}/api/v1/users", headers=headers, json={
            "email": f"staff{i}@bench.example.com", "password": PASSWORD, "role": "admin"}).raise_for_status()
    secret = httpx.get(f"{base}/api/v1/admin/webhook-secret", headers=headers).json()["webhook_secret"]
    return {"BENCH_TENANT": "bench", "BENCH_STAFF": str(STAFF), "BENCH_PASSWORD": PASSWORD,
            "BENCH_KEY": key, "BENCH_WEBHOOK_SECRET": secret}


class ConnectionSampler:
    """The most connections to the platform's database seen while it runs (every 0.5 s)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.most = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(0.5):
                (count,) = conn.execute("SELECT count(*) - 1 FROM pg_stat_activity "
                                        "WHERE datname = current_database()").fetchone()  # type: ignore[misc]
                self.most = max(self.most, int(count))

    def __enter__(self) -> "ConnectionSampler":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


def step(base: str, env: dict[str, str], users: int, seconds: int, out: Path) -> dict[str, float]:
    """One Locust run; the aggregated row of its stats CSV plus the most database connections."""
    prefix = out / f"u{users}"
    with ConnectionSampler(env["DATABASE_URL"]) as sampler:
        subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
                        "--headless", "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s",
                        "--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR"],
                       env=env, cwd=ROOT, capture_output=True, check=False)
    with open(f"{prefix}_stats.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    total = int(row["Request Count"]) or 1
    with open(f"{prefix}_failures.csv") as f:
        for failure in csv.DictReader(f):
            print(f"  {failure['Occurrences']:>5} x {failure['Method']} {failure['Name']}: "
                  f"{failure['Error'][:120]}", flush=True)
    return {"users": users, "rps": float(row["Requests/s"]), "p95": float(row["95%"]),
            "p99": float(row["99%"]), "errors_pct": 100 * int(row["Failure Count"]) / total,
            "db_conns": sampler.most}


def run(workers: int, users: list[int], seconds: int, tmp: Path, upstream: str) -> list[dict[str, float]]:
    env, servers = platform(tmp, upstream)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    quiet = {"env": env, "cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([sys.executable, "-m", "cognify.cli", "api", "--port", str(port),
                               "--workers", str(workers)], **quiet),  # type: ignore[call-overload]
             subprocess.Popen([sys.executable, "-m", "cognify.cli", "worker", "--concurrency", "2"],
                              **quiet)]  # type: ignore[call-overload]
    try:
        wait_http(f"{base}/readyz", proc=procs[0])
        time.sleep(2)  # every API worker process up, not only the first
        locust_env = {**env, **seed(env, base)}
        rows = []
        for count in users:
            row = step(base, locust_env, count, seconds, tmp)
            rows.append(row)
            print(f"workers={workers} users={count:<4} {row['rps']:7.1f} req/s  p95={row['p95']:.0f} ms  "
                  f"p99={row['p99']:.0f} ms  errors={row['errors_pct']:.2f}%  "
                  f"db connections={row['db_conns']}", flush=True)
        return rows
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=60)
        for server in servers:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--users", type=int, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(upstream_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    wait_http(f"http://127.0.0.1:{port}/v1/chat/completions")
    print("| API workers | users | req/s | p95 ms | p99 ms | errors % | DB connections |")
    print("|---|---|---|---|---|---|---|")
    summary = []
    for workers in args.workers:
        with tempfile.TemporaryDirectory(prefix="cognify-load-") as tmp:
            rows = run(workers, args.users, args.seconds, Path(tmp), f"http://127.0.0.1:{port}/v1")
        for row in rows:
            print(f"| {workers} | {row['users']} | {row['rps']:.1f} | {row['p95']:.0f} | {row['p99']:.0f} "
                  f"| {row['errors_pct']:.2f} | {row['db_conns']} |")
        under = [row for row in rows if row["p95"] < P95_TARGET_MS]
        summary.append(f"{workers} worker(s): {max(r['rps'] for r in under):.1f} req/s with p95 under 200 ms"
                       if under else f"{workers} worker(s): p95 over 200 ms at every step")
    print("\n" + "\n".join(summary))
    server.should_exit = True


if __name__ == "__main__":
    main()
