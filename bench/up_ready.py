"""How long `cognify up` takes to become ready: a cold start (new data dir) and a warm restart.

Run: uv run python bench/up_ready.py
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_ready(data_dir: Path) -> float:
    """Seconds from spawning `cognify up` to its ready line; then stop it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cognify.cli", "up", "--data-dir", str(data_dir),
         "--port", str(free_port())],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("ready in"):
            break
        if line.startswith("error:"):
            raise RuntimeError(line)
    elapsed = time.perf_counter() - started
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    return elapsed


def main() -> None:
    """Print cold and warm start times."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        cold = time_to_ready(data_dir)
        warm = [time_to_ready(data_dir) for _ in range(3)]
    result = {"cold_start_s": round(cold, 2), "warm_start_s": round(sorted(warm)[1], 2)}
    print(f"cognify up ready: cold {result['cold_start_s']} s, warm (median of 3) "
          f"{result['warm_start_s']} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
