"""Gateway overhead: added latency (p50/p99) and server CPU per call over a 20 ms local upstream.

Runs, on the same upstream: the upstream directly, Cognify's gateway (virtual key, budgets, RPM/TPM
limits and the batched ledger on), and LiteLLM's own proxy when `bench/setup_litellm_proxy.sh`
has made its throwaway venv (one worker, master-key auth, no database: lighter than ours).
Each level gets a warm-up, then a fixed number of requests; failed requests are counted, not fatal.
Server CPU is read with psutil on the server's pid; the 1-minute load average is printed with
each row because other work on the machine skews both latency and CPU.
`uv run python bench/gateway_overhead.py [--requests 1000] [--only cognify|litellm]`
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PROXY_BIN = Path(os.environ.get("LITELLM_PROXY_VENV", "/tmp/litellm-proxy-venv")) / "bin" / "litellm"
UPSTREAM_DELAY = 0.02
PROXY_KEY = "sk-bench-master"
BODY = {"model": "fast", "messages": [{"role": "user", "content": "hello there"}], "max_tokens": 16}


def upstream_app() -> Any:
    """A 20 ms OpenAI-compatible upstream."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def chat(request: Any) -> JSONResponse:
        body = await request.json()
        await asyncio.sleep(UPSTREAM_DELAY)
        return JSONResponse({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": "hi"}}],
                             "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}})

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (psutil)."""
    import psutil

    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    total = 0.0
    for p in procs:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def wait_http(url: str, timeout: float = 120, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll until the URL answers at all (failing at once if the server process exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def load(url: str, headers: dict[str, str], concurrency: int, requests: int) -> tuple[list[float], int]:
    """(latencies of the successful calls, error count) for `requests` calls, `concurrency` at a time.

    aiohttp rather than httpx: the load generator shares the 2 cores with the servers, and aiohttp
    spends several times less CPU per request.
    """
    import aiohttp

    latencies: list[float] = []
    errors = 0
    payload = json.dumps(BODY).encode()
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     headers={**headers, "Content-Type": "application/json"}) as http:
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            nonlocal errors
            async with gate:
                started = time.perf_counter()
                try:
                    async with http.post(url, data=payload) as response:
                        await response.read()
                        ok = response.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                if not ok:
                    errors += 1
                    return
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*[one() for _ in range(requests)])
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of sorted values, or NaN when there are none."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, int(round(q * len(values))) - 1))]


def measure(name: str, url: str, headers: dict[str, str], pid: int, requests: int, warmup: int,
            ) -> dict[int, dict[str, float]]:
    """p50/p99 latency, errors and server CPU per call at 10 and 50 concurrent requests."""
    out = {}
    for concurrency in (10, 50):
        asyncio.run(load(url, headers, concurrency, warmup))
        before = cpu_seconds(pid)
        lat, errors = asyncio.run(load(url, headers, concurrency, requests))
        cpu = (cpu_seconds(pid) - before) / requests
        lat.sort()
        out[concurrency] = {"p50_ms": percentile(lat, 0.5) * 1000, "p99_ms": percentile(lat, 0.99) * 1000,
                            "cpu_ms": cpu * 1000, "errors": errors, "load1": os.getloadavg()[0]}
        row = out[concurrency]
        print(f"{name:>10} c={concurrency:<3} p50={row['p50_ms']:.1f}ms p99={row['p99_ms']:.1f}ms "
              f"cpu/call={row['cpu_ms']:.2f}ms errors={errors}/{requests} load1={row['load1']:.2f}",
              flush=True)
    return out


def prepare_platform(tmp: Path, upstream: str) -> tuple[dict[str, str], str, list[Any]]:
    """Embedded PostgreSQL and Valkey, migrations, a tenant and a virtual key; (env, key, servers)."""
    from cognify.embedded import EmbeddedPostgres, EmbeddedValkey

    env = dict(os.environ, COGNIFY_DATA_DIR=str(tmp / "data"), COGNIFY_LOG_LEVEL="WARNING")
    postgres, valkey = EmbeddedPostgres(tmp / "pg", delete_on_stop=True), EmbeddedValkey(tmp / "valkey",
                                                                                        persist=False)
    env["DATABASE_URL"] = postgres.start()
    env["REDIS_URL"] = valkey.start()
    config = {"model_list": [{"model_name": "fast", "litellm_params": {
        "model": "openai/bench", "api_base": upstream, "api_key": "x"},
        "model_info": {"id": "bench", "input_cost_per_token": 1e-7, "output_cost_per_token": 2e-7}}],
        "router_settings": {"num_retries": 0},
        "policies": {"default": {"monthly_budget_usd": 100000, "rpm": 10_000_000, "tpm": 1_000_000_000}}}
    (tmp / "gateway.yaml").write_text(json.dumps(config))
    env["COGNIFY_GATEWAY_CONFIG"] = str(tmp / "gateway.yaml")
    script = (
        "import json; from cognify import dbadmin; dbadmin.upgrade();"
        "from domain.tenancy.flows import provision_tenant; from domain.tenancy.models import TenantCreate;"
        "from domain.identity.models import UserCreate; from cognify.db import TenantSession, owner_engine;"
        "from gateway.keys import create_key; from gateway.models import VirtualKeyCreate;"
        "t, _ = provision_tenant(TenantCreate(slug='bench', name='Bench'),"
        " UserCreate(email='o@bench.example.com', password='bench-password-1', role='owner'));"
        "s = TenantSession(owner_engine(), t.id); s.begin();"
        "k, secret = create_key(s, None, VirtualKeyCreate(name='bench', budget_usd=100000, rpm=10000000,"
        " tpm=1000000000)); s.commit(); print(secret)")
    secret = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return env, secret, [valkey, postgres]


def serve(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a server process quietly."""
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def report(results: dict[str, dict[int, dict[str, float]]]) -> None:
    """The added latency over the direct upstream, and server CPU per call, as a Markdown table."""
    print("\n| server | concurrency | added p50 ms | added p99 ms | CPU ms/call | errors | load1 |")
    print("|---|---|---|---|---|---|---|")
    for name in ("cognify", "litellm"):
        for c, row in results.get(name, {}).items():
            base = results["direct"][c]
            added_p50, added_p99 = row["p50_ms"] - base["p50_ms"], row["p99_ms"] - base["p99_ms"]
            print(f"| {name} | {c} | {added_p50:.1f} | {added_p99:.1f} | {row['cpu_ms']:.2f} "
                  f"| {int(row['errors'])} | {row['load1']:.2f} |")


def start_proxy(tmp: Path, upstream: str, port: int) -> subprocess.Popen[bytes]:
    """LiteLLM's proxy (one worker, master-key auth, no database) on the same upstream and Router settings."""
    cfg = tmp / "proxy.yaml"
    cfg.write_text(json.dumps({"model_list": [{"model_name": "fast", "litellm_params": {
        "model": "openai/bench", "api_base": upstream, "api_key": "x"},
        "model_info": {"id": "bench", "input_cost_per_token": 1e-7, "output_cost_per_token": 2e-7}}],
        "router_settings": {"num_retries": 0}, "general_settings": {"master_key": PROXY_KEY}}))
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOG="ERROR")
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return serve([str(PROXY_BIN), "--config", str(cfg), "--port", str(port), "--num_workers", "1"], env)


def main() -> None:
    """Run direct, Cognify and (when installed) LiteLLM's proxy on one upstream; print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--only", choices=("all", "cognify", "litellm"), default="all")
    parser.add_argument("--serve-upstream", type=int)
    args = parser.parse_args()
    if args.serve_upstream:
        import uvicorn

        # Two processes: at 50 concurrent calls one process of upstream saturated before the servers
        # under test did, which made "added latency" meaningless there.
        uvicorn.run("gateway_overhead:upstream_app", factory=True, host="127.0.0.1", port=args.serve_upstream,
                    log_level="warning", access_log=False, workers=2, app_dir=str(Path(__file__).parent))
        return
    procs: list[subprocess.Popen[bytes]] = []
    servers: list[Any] = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        try:
            up_port, gw_port, px_port = free_port(), free_port(), free_port()
            procs.append(serve([sys.executable, __file__, "--serve-upstream", str(up_port)]))
            upstream = f"http://127.0.0.1:{up_port}/v1"
            wait_http(f"http://127.0.0.1:{up_port}/")
            results = {"direct": measure("direct", f"{upstream}/chat/completions", {}, procs[0].pid,
                                         args.requests, args.warmup)}
            if args.only in ("all", "cognify"):
                env, key, servers = prepare_platform(tmp, upstream)
                gateway = serve([sys.executable, "-m", "uvicorn", "cognify.app:create_app", "--factory",
                                 "--port", str(gw_port), "--no-access-log", "--log-level", "warning"], env)
                procs.append(gateway)
                wait_http(f"http://127.0.0.1:{gw_port}/healthz", proc=gateway)
                results["cognify"] = measure("cognify", f"http://127.0.0.1:{gw_port}/v1/chat/completions",
                                             {"Authorization": f"Bearer {key}"}, gateway.pid, args.requests,
                                             args.warmup)
            if args.only in ("all", "litellm"):
                if PROXY_BIN.exists():
                    proxy = start_proxy(tmp, upstream, px_port)
                    procs.append(proxy)
                    wait_http(f"http://127.0.0.1:{px_port}/health/liveliness", timeout=180, proc=proxy)
                    results["litellm"] = measure(
                        "litellm", f"http://127.0.0.1:{px_port}/v1/chat/completions",
                        {"Authorization": f"Bearer {PROXY_KEY}"}, proxy.pid, args.requests, args.warmup)
                else:
                    print(f"LiteLLM proxy not found at {PROXY_BIN}: run bench/setup_litellm_proxy.sh")
            report(results)
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(timeout=20)
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
