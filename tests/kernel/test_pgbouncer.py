"""Behind PgBouncer in transaction pooling mode (Debian's `pgbouncer`, in front of the test PostgreSQL).

Transaction pooling hands each transaction whichever server connection is free, so session state
leaks between clients and a prepared statement may meet a server connection that never saw it.
The platform keeps tenancy in `SET LOCAL` (set_config(..., true)) and turns prepared statements off
with COGNIFY_DATABASE_POOLED; migrations go to PostgreSQL directly (DATABASE_DIRECT_URL).
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgBouncer:
    """A PgBouncer process in transaction mode; `solo` is the test database with one server connection."""

    def __init__(self, root: Path, database_url: str) -> None:
        url = make_url(database_url)
        self.database = url.database
        self.owner = url.username
        socket_dir = url.query.get("host") or url.host
        self.server = f"host={socket_dir} port={url.port or 5432}"
        self.root = root
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.user = None
        if os.geteuid() == 0:  # PgBouncer refuses to run as root: run it as the database server's user
            self.user = pwd.getpwuid(os.stat(str(socket_dir)).st_uid).pw_name

    def start(self) -> "PgBouncer":
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "users.txt").write_text(f'"{self.owner}" ""\n"cognify_app" ""\n')
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"solo = {self.server} dbname={self.database} pool_size=1\n"
            f"* = {self.server}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.root / 'users.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 3\nmax_client_conn = 500\n"
            "ignore_startup_parameters = extra_float_digits,options\n")
        os.chmod(self.root, 0o755)
        args = [PGBOUNCER, *(["-u", self.user] if self.user else []), str(self.root / "pgbouncer.ini")]
        self.log = (self.root / "pgbouncer.log").open("wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn("solo"), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return self
            except psycopg.OperationalError:
                assert self.proc.poll() is None, (self.root / "pgbouncer.log").read_text()
                assert time.monotonic() < deadline, (self.root / "pgbouncer.log").read_text()
                time.sleep(0.1)

    def dsn(self, database: str, user: str | None = None) -> str:
        return f"postgresql://{user or self.owner}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.log.close()


@pytest.fixture(scope="module")
def bouncer(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgBouncer]:
    if not Path(PGBOUNCER).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{PGBOUNCER} is missing: .ci/run installs Debian's pgbouncer package")
        pytest.skip("the pooler tests need Debian's pgbouncer: apt-get install pgbouncer")
    running = PgBouncer(tmp_path_factory.mktemp("pgbouncer"), services["database_url"]).start()
    try:
        yield running
    finally:
        running.stop()


def _two_clients(bouncer: PgBouncer, **kw: Any) -> tuple[psycopg.Connection[Any], psycopg.Connection[Any]]:
    dsn = bouncer.dsn("solo", "cognify_app")
    return psycopg.connect(dsn, autocommit=True, **kw), psycopg.connect(dsn, autocommit=True, **kw)


def test_transaction_pooling_shares_one_server_connection_and_set_local_does_not_leak(bouncer) -> None:
    a, b = _two_clients(bouncer)
    with a, b:
        a.execute("SELECT set_config('app.tenant_id', 'tenant-a', false)")  # session-level: the wrong way
        leaked = b.execute("SELECT current_setting('app.tenant_id', true)").fetchone()
        assert leaked == ("tenant-a",)  # proof that both clients share the one server connection
        a.execute("SELECT set_config('app.tenant_id', '', false)")
        with a.transaction():
            a.execute("SELECT set_config('app.tenant_id', 'tenant-a', true)")  # SET LOCAL: the platform's way
            assert a.execute("SELECT current_setting('app.tenant_id')").fetchone() == ("tenant-a",)
        assert b.execute("SELECT current_setting('app.tenant_id', true)").fetchone() == ("",)


def test_prepared_statements_break_under_transaction_pooling_unless_turned_off(bouncer) -> None:
    query = "SELECT count(*) FROM tenants WHERE slug = %s"
    a, b = _two_clients(bouncer, prepare_threshold=0)  # psycopg prepares on first use
    with a, b:
        a.execute(query, ("x",))
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            b.execute(query, ("x",))  # its `_pg3_0` meets the server connection that has a's
    a, b = _two_clients(bouncer, prepare_threshold=None)  # what COGNIFY_DATABASE_POOLED sets
    with a, b:
        for _ in range(10):
            assert a.execute(query, ("x",)).fetchone() == b.execute(query, ("x",)).fetchone() == (0,)


def test_isolation_and_agent_suites_pass_through_pgbouncer(bouncer, services, tmp_path) -> None:
    """The tenant isolation and agent (LangGraph checkpointer) tests, in a pytest of their own whose
    DATABASE_URL is PgBouncer; it creates its database and migrates through DATABASE_DIRECT_URL."""
    env = {**os.environ, "DATABASE_URL": bouncer.dsn("cognify"), "COGNIFY_DATABASE_POOLED": "true",
           "DATABASE_DIRECT_URL": services["database_url"], "REDIS_URL": services["redis_url"]}
    suites = ["tests/kernel/test_isolation.py", "tests/agents/test_copilot_approvals.py",
              "tests/agents/test_threads_and_streaming.py"]
    # --basetemp: a nested pytest must not re-secure /tmp/pytest-of-<user> (mode 0700) under the running
    # session, whose embedded PostgreSQL servers (another OS user when root) traverse it.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider",
                           f"--basetemp={tmp_path / 'nested'}", *suites],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    assert " passed" in done.stdout and "failed" not in done.stdout, tail
