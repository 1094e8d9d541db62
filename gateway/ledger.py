"""The usage ledger: one row per call, written in batches by a background thread.

The request path only appends a dict to an in-memory queue; a daemon thread drains it every
`linger` seconds (or at `batch_size` rows) and inserts the batch with one multi-row INSERT as the
owner role. Why the owner engine rather than per-tenant transactions: a batch mixes many tenants,
and one statement per batch keeps the writer's cost flat under load, while per-tenant
transactions would cost one round trip per tenant per batch. Rows never come from user input:
`tenant_id` is the authenticated caller's, set by the gateway service, and reads of the ledger
(`GET /api/v1/gateway/usage`) go through the RLS-bound app role like every other table.
"""

import queue
import threading
from typing import Any

from sqlalchemy import insert

from cognify.db import owner_engine
from cognify.logging import get_logger
from gateway.models import UsageRecord

log = get_logger("gateway.ledger")
_FLUSH = object()


class LedgerWriter:
    """Queue rows from any thread or loop; a daemon thread writes them in batches."""

    def __init__(self, batch_size: int = 500, linger: float = 0.25) -> None:
        self.batch_size = batch_size
        self.linger = linger
        self.queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def record(self, row: dict[str, Any]) -> None:
        """Queue one row (never blocks on the database)."""
        if self._thread is None:
            self._start()
        self.queue.put(row)

    def flush(self) -> None:
        """Block until every row queued so far is written."""
        if self._thread is None:
            return
        self.queue.put(_FLUSH)
        self.queue.join()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="gateway-ledger", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            taken = 1
            try:
                while batch[-1] is not _FLUSH and len(batch) < self.batch_size:
                    batch.append(self.queue.get(timeout=self.linger))
                    taken += 1
            except queue.Empty:
                pass
            rows = [row for row in batch if row is not _FLUSH]
            try:
                if rows:
                    self._write(rows)
            except Exception as exc:  # noqa: BLE001 - the writer must survive a bad batch
                log.error("ledger_write_failed", rows=len(rows), error=str(exc))
            finally:
                for _ in range(taken):
                    self.queue.task_done()

    def _write(self, rows: list[dict[str, Any]]) -> None:
        with owner_engine().begin() as conn:
            conn.execute(insert(UsageRecord.__table__), rows)  # type: ignore[attr-defined]
