"""The usage ledger: every settled call is a Redis Stream entry first, a PostgreSQL row after.

The settle script (`gateway.quota`) appends the call's ledger entry to the `gw:ledger` stream in
the same atomic step that moves the budget, so a call that spent money always has its record, even
if the process dies the next instant or the database is down. A `LedgerMover` thread in each
process that serves calls moves entries to `gateway_usage` through a consumer group: it inserts a
batch with `ON CONFLICT (id) DO NOTHING` (the id is the call's, so a batch retried after a crash
writes each row once), acknowledges and deletes the entries only after the commit, retries its own
unacknowledged entries first, and claims entries a dead process left unacknowledged. An entry the
database refuses as data (never an outage) goes to `gw:ledger:dead` with the error, not lost.

Why the owner engine rather than per-tenant transactions: a batch mixes many tenants, and one
statement per batch keeps the writer's cost flat under load. Rows never come from user input:
`tenant_id` is the authenticated caller's, set by the gateway service, and reads of the ledger
(`GET /api/v1/gateway/usage`) go through the RLS-bound app role like every other table.
"""

import os
import socket
import threading
import time
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
import redis
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, OperationalError

from cognify.db import owner_engine
from cognify.logging import get_logger
from cognify.redis import get_redis
from cognify.regions import region_of
from cognify.settings import get_settings
from gateway import metrics
from gateway.budgets import usd
from gateway.models import UsageRecord

log = get_logger("gateway.ledger")
STREAM = "gw:ledger"
DEAD = "gw:ledger:dead"
GROUP = "ledger-writers"
PRUNE_IDLE_MS = 3_600_000  # a consumer name idle this long with nothing pending belonged to a gone process
_UUIDS = ("id", "tenant_id", "user_id", "key_id")


def encode(row: dict[str, Any]) -> bytes:
    """A ledger row as the stream entry's payload (UUIDs and times as strings, cost as nano-USD)."""
    return orjson.dumps(row, default=str)


def decode(payload: bytes) -> dict[str, Any]:
    """The row of a stream entry, typed for the insert."""
    row = orjson.loads(payload)
    for name in _UUIDS:
        if row.get(name) is not None:
            row[name] = UUID(row[name])
    row["created_at"] = datetime.fromisoformat(row["created_at"])
    row["cost_usd"] = usd(row.pop("cost_nano"))
    row.setdefault("request_id", None)  # entries appended before the column existed
    return row


class LedgerMover:
    """Move ledger entries from the Redis Stream to PostgreSQL, in batches, in a daemon thread."""

    def __init__(self, batch_size: int = 500, linger: float = 0.25, claim_idle: float = 30.0) -> None:
        self.batch_size = batch_size
        self.linger = linger
        self.claim_idle = claim_idle
        self.consumer = ""
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._moved = threading.Condition()
        self._stop = threading.Event()
        self._failing = False
        self._retry = True  # a restarted process first looks for entries left under its own name
        self._next_claim = 0.0

    @property
    def redis(self) -> redis.Redis:
        return get_redis()

    def start(self) -> None:
        """Start the thread once per process (a no-op when it runs)."""
        if self._thread is not None and self._thread.is_alive() and not self._stop.is_set():
            return
        with self._lock:
            if self._thread is not None and self._stop.is_set():
                self._thread.join()
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self.consumer = f"{socket.gethostname()}-{os.getpid()}"  # a forked process is another mover
                self._thread = threading.Thread(target=self._run, name="gateway-ledger", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current batch (unacknowledged entries stay in the stream for the next mover)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def backlog(self) -> dict[str, int]:
        """Entries not yet in PostgreSQL, and entries the database refused."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.xlen(STREAM)
        pipe.xlen(DEAD)
        waiting, dead = pipe.execute()
        return {"backlog": int(waiting), "dead": int(dead)}

    def scraped_backlog(self) -> float:
        """The backlog when Prometheus scrapes `/metrics` (NaN while Redis cannot say)."""
        try:
            return float(self.redis.xlen(STREAM))
        except redis.RedisError:
            return float("nan")

    def flush(self, timeout: float = 15.0) -> None:
        """Block until the stream is empty (every entry settled so far is a row); raise on timeout."""
        self.start()
        deadline = time.monotonic() + timeout
        with self._moved:
            while self.redis.xlen(STREAM):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"ledger backlog not drained in {timeout}s: {self.backlog()}")
                self._moved.wait(min(left, self.linger))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._ensure_group()
                moved = self.step()
                self._failing = False
            except (redis.RedisError, OperationalError, DBAPIError) as exc:
                if not self._failing:
                    log.warning("ledger_move_failed", error=str(exc)[:300])
                self._failing = True
                self._retry = True
                self._stop.wait(1.0)
                continue
            if moved:
                with self._moved:
                    self._moved.notify_all()

    def _ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def step(self) -> int:
        """Move one batch: this mover's unacknowledged entries after a failure, else entries a dead mover
        left (checked every `claim_idle / 2` seconds), else new ones."""
        entries = self._read("0", block=None) if self._retry else []
        self._retry = bool(entries)
        if not entries and time.monotonic() >= self._next_claim:
            claimed = self.redis.xautoclaim(STREAM, GROUP, self.consumer, int(self.claim_idle * 1000), "0-0",
                                            count=self.batch_size)
            entries = list(claimed[1])
            self._retry = bool(entries)
            if not entries:  # nothing left to take over: look again later, and forget idle empty consumers
                self._next_claim = time.monotonic() + self.claim_idle / 2
                self._prune()
        if not entries:
            entries = self._read(">", block=int(self.linger * 1000))
        if not entries:
            return 0
        self._retry = True  # until acknowledged: a failure below leaves them in this mover's pending list
        ids = [entry_id for entry_id, _ in entries]
        rows = [decode(fields[b"row"]) for _, fields in entries if fields and b"row" in fields]
        if rows:
            self._write(rows)
        pipe = self.redis.pipeline(transaction=True)
        pipe.xack(STREAM, GROUP, *ids)
        pipe.xdel(STREAM, *ids)
        pipe.execute()
        metrics.LEDGER_MOVED.inc(len(rows))
        return len(ids)

    def _prune(self) -> None:
        for consumer in self.redis.xinfo_consumers(STREAM, GROUP):
            if consumer["pending"] == 0 and consumer["idle"] > PRUNE_IDLE_MS:
                self.redis.xgroup_delconsumer(STREAM, GROUP, consumer["name"])

    def _read(self, start: str, block: int | None) -> list[tuple[bytes, dict[bytes, bytes]]]:
        answer = self.redis.xreadgroup(GROUP, self.consumer, {STREAM: start}, count=self.batch_size,
                                       block=block)
        return list(answer[0][1]) if answer else []

    def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            _insert(rows)
        except OperationalError:
            raise
        except DBAPIError:  # a row the database refuses: find it, keep it aside, write the rest
            for row in rows:
                try:
                    _insert([row])
                except OperationalError:
                    raise
                except DBAPIError as exc:
                    log.error("ledger_row_refused", id=str(row["id"]), error=str(exc.orig)[:300])
                    self.redis.xadd(DEAD, {"row": encode(row), "error": str(exc.orig)[:1000]})


def _insert(rows: list[dict[str, Any]]) -> None:
    """Write rows to their tenants' regions' databases (one transaction per region)."""
    table = UsageRecord.__table__  # type: ignore[attr-defined]
    by_region: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        by_region.setdefault(region_of(row["tenant_id"]), []).append(row)
    for region, batch in by_region.items():
        with owner_engine(region).begin() as conn:
            conn.execute(insert(table).values(batch).on_conflict_do_nothing(index_elements=["id"]))


@lru_cache
def get_mover() -> LedgerMover:
    """The process's one mover (its backlog is the `cognify_gateway_ledger_backlog` gauge)."""
    mover = LedgerMover(claim_idle=get_settings().ledger_claim_idle_seconds)
    metrics.LEDGER_BACKLOG.set_function(mover.scraped_backlog)
    return mover
