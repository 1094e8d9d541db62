"""Profile the gateway's per-call path in-process: N chat calls through `Gateway.chat` to a local upstream.

Starts the 20 ms upstream (a subprocess), embedded PostgreSQL and Valkey, a tenant and a virtual key
with budgets and RPM/TPM limits, then drives calls through the same pipeline HTTP uses (key
authentication, policy, limits, budget reserve/settle, Router, ledger). Prints CPU ms per call of
this process (the upstream runs elsewhere) and, with `--profiler`, a pyinstrument or cProfile report.

`uv run python bench/gateway_profile.py --calls 2000 --concurrency 10 --profiler pyinstrument`
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gateway_overhead import BODY, free_port, prepare_platform, wait_http


async def drive(calls: int, concurrency: int, secret: str) -> None:
    """`calls` chat calls, `concurrency` at a time, each authenticated by the virtual key."""
    from gateway.keys import authenticate_key
    from gateway.policy import Caller
    from gateway.service import get_gateway

    gateway = get_gateway()
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            key = await authenticate_key(gateway.redis, secret)
            await gateway.chat(Caller(key.tenant_id, None, key, "api"), dict(BODY))

    await asyncio.gather(*[one() for _ in range(calls)])


def run(calls: int, concurrency: int, secret: str, profiler: str) -> float:
    """CPU seconds per call of this process (ledger thread included) over a measured run."""

    async def main() -> float:
        await drive(min(200, calls), concurrency, secret)
        from gateway.service import get_core

        get_core().ledger.flush()
        started = time.process_time()
        if profiler == "pyinstrument":
            from pyinstrument import Profiler

            prof = Profiler(interval=0.0005, async_mode="enabled")
            prof.start()
            await drive(calls, concurrency, secret)
            prof.stop()
            print(prof.output_text(unicode=False, color=False, show_all=False))
        elif profiler == "cprofile":
            prof_c = cProfile.Profile()
            prof_c.enable()
            await drive(calls, concurrency, secret)
            prof_c.disable()
            pstats.Stats(prof_c).sort_stats("cumulative").print_stats(60)
            pstats.Stats(prof_c).sort_stats("tottime").print_stats(40)
        else:
            await drive(calls, concurrency, secret)
        get_core().ledger.flush()
        return (time.process_time() - started) / calls

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--profiler", choices=("none", "pyinstrument", "cprofile"), default="none")
    args = parser.parse_args()
    port = free_port()
    bench = Path(__file__).resolve().parent / "gateway_overhead.py"
    upstream = subprocess.Popen([sys.executable, str(bench), "--serve-upstream", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs: list[Any] = [upstream]
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        with tempfile.TemporaryDirectory() as tmp:
            env, secret, servers = prepare_platform(Path(tmp), f"http://127.0.0.1:{port}/v1")
            os.environ.update(env)
            cpu = run(args.calls, args.concurrency, secret, args.profiler)
            print(f"calls={args.calls} concurrency={args.concurrency} profiler={args.profiler} "
                  f"cpu/call={cpu * 1000:.2f}ms load={os.getloadavg()[0]:.2f}", flush=True)
            for server in servers:
                server.stop()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
