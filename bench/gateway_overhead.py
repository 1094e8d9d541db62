"""Gateway overhead: added latency (p50/p99) and server CPU per call over a 20 ms local upstream.

Runs, on the same upstream: the upstream directly, Cognify's gateway (virtual key, budgets, RPM/TPM
limits and the batched ledger on), and LiteLLM's own proxy when `bench/setup_litellm_proxy.sh`
has made its throwaway venv. `uv run python bench/gateway_overhead.py [--requests 400]`
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
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
    """User + system CPU of a process and its children so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def load(url: str, headers: dict[str, str], concurrency: int, requests: int) -> list[float]:
    """Latencies of `requests` calls made `concurrency` at a time."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as http:
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                response = await http.post(url, json=BODY)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*[one() for _ in range(requests)])
    return latencies


def measure(name: str, url: str, headers: dict[str, str], pid: int | None, requests: int,
            ) -> dict[int, dict[str, float]]:
    out = {}
    asyncio.run(load(url, headers, 10, 50))
    for concurrency in (10, 50):
        before = cpu_seconds(pid) if pid else 0.0
        lat = sorted(asyncio.run(load(url, headers, concurrency, requests)))
        cpu = (cpu_seconds(pid) - before) / requests if pid else 0.0
        out[concurrency] = {"p50_ms": statistics.median(lat) * 1000,
                            "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000,
                            "cpu_ms": cpu * 1000}
        print(f"{name:>10} c={concurrency:<3} p50={out[concurrency]['p50_ms']:.1f}ms "
              f"p99={out[concurrency]['p99_ms']:.1f}ms cpu/call={out[concurrency]['cpu_ms']:.2f}ms",
              flush=True)
    return out


def prepare_platform(tmp: Path, upstream: str) -> tuple[dict[str, str], str]:
    """Embedded PostgreSQL and Valkey, migrations, a tenant and a virtual key; (env, key)."""
    from cognify.embedded import EmbeddedPostgres, EmbeddedValkey

    env = dict(os.environ, COGNIFY_DATA_DIR=str(tmp / "data"), COGNIFY_LOG_LEVEL="WARNING")
    env["DATABASE_URL"] = EmbeddedPostgres(tmp / "pg", delete_on_stop=True).start()
    env["REDIS_URL"] = EmbeddedValkey(tmp / "valkey", persist=False).start()
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
    return env, secret


def serve(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--serve-upstream", type=int)
    args = parser.parse_args()
    if args.serve_upstream:
        import uvicorn

        uvicorn.run(upstream_app(), host="127.0.0.1", port=args.serve_upstream, log_level="warning",
                    access_log=False)
        return
    procs = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        try:
            up_port, gw_port, px_port = free_port(), free_port(), free_port()
            procs.append(serve([sys.executable, __file__, "--serve-upstream", str(up_port)]))
            upstream = f"http://127.0.0.1:{up_port}/v1"
            wait_http(f"http://127.0.0.1:{up_port}/")
            env, key = prepare_platform(Path(tmp_dir), upstream)
            gateway = serve([sys.executable, "-m", "uvicorn", "cognify.app:create_app", "--factory", "--port",
                             str(gw_port), "--no-access-log", "--log-level", "warning"], env)
            procs.append(gateway)
            wait_http(f"http://127.0.0.1:{gw_port}/healthz")
            results = {"direct": measure("direct", f"{upstream}/chat/completions", {}, procs[0].pid,
                                         args.requests)}
            results["cognify"] = measure("cognify", f"http://127.0.0.1:{gw_port}/v1/chat/completions",
                                         {"Authorization": f"Bearer {key}"}, gateway.pid, args.requests)
            if PROXY_BIN.exists():
                cfg = Path(tmp_dir) / "proxy.yaml"
                cfg.write_text(json.dumps({"model_list": [{"model_name": "fast", "litellm_params": {
                    "model": "openai/bench", "api_base": upstream, "api_key": "x"}}],
                    "router_settings": {"num_retries": 0}}))
                proxy = serve([str(PROXY_BIN), "--config", str(cfg), "--port", str(px_port)],
                              dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOG="ERROR"))
                procs.append(proxy)
                wait_http(f"http://127.0.0.1:{px_port}/health/liveliness", timeout=180)
                results["litellm"] = measure("litellm", f"http://127.0.0.1:{px_port}/v1/chat/completions",
                                             {}, proxy.pid, args.requests)
            for name in ("cognify", "litellm"):
                for c, row in results.get(name, {}).items():
                    base = results["direct"][c]
                    print(f"{name:>10} c={c:<3} added p50={row['p50_ms'] - base['p50_ms']:.1f}ms "
                          f"added p99={row['p99_ms'] - base['p99_ms']:.1f}ms cpu/call={row['cpu_ms']:.2f}ms")
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(timeout=20)


if __name__ == "__main__":
    main()
