"""Role commands as real processes for the kernel tests: `python -m cognify.cli <role>` and a free port."""

import os
import signal
import socket
import subprocess
import sys
import threading


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Role:
    """`python -m cognify.cli <args>` with the test servers' URLs; its output is collected."""

    def __init__(self, *args: str, drop: tuple[str, ...] = (), **env: str) -> None:
        environment = {k: v for k, v in os.environ.items() if k not in drop}
        self.proc = subprocess.Popen([sys.executable, "-m", "cognify.cli", *args],
                                     env={**environment, **env}, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            with self.seen:
                self.lines.append(line)
                self.seen.notify_all()

    def wait_for_line(self, text: str, timeout: float = 60) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: any(text in line for line in self.lines), timeout)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    @property
    def output(self) -> str:
        return "".join(self.lines)
