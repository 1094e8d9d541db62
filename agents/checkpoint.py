"""The LangGraph checkpointer: Postgres as the RLS-bound app role (its tables come from the migration).

Checkpoints go through a psycopg connection pool that the app's lifespan opens once per process
(`open_checkpoint_pool`) and closes on shutdown (`close_checkpoint_pool`). A pool belongs to the event
loop that opened it, so pools are kept per loop: a process may run more than one app (tests restart the
app in-process). Code running a turn on a loop without a pool (a script, a test client that never ran
the lifespan) gets a connection of its own for that turn instead.

Each turn gets its own saver on the shared pool, because a saver serialises its calls with a lock:
one saver for the whole process would queue every conversation behind the others.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from langchain_core.messages import AnyMessage
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection, Connection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from cognify.db import app_url
from cognify.regions import region_of
from cognify.settings import get_settings

POOL_MIN_SIZE, POOL_MAX_SIZE = 1, 10
APPLICATION_NAME = "cognify-checkpoints"
_pools: dict[tuple[asyncio.AbstractEventLoop, str | None], AsyncConnectionPool] = {}


def checkpoint_dsn(region: str | None = None) -> str:
    """A libpq connection string for the app role, in a region's database (None: home)."""
    return app_url(region).set(drivername="postgresql").render_as_string(hide_password=False)


def _connection_kwargs() -> dict[str, Any]:
    """LangGraph's connection settings; behind a transaction pooler, no prepared statements."""
    prepare = None if get_settings().database_pooled else 0
    return {"autocommit": True, "prepare_threshold": prepare, "row_factory": dict_row,
            "application_name": APPLICATION_NAME}


async def open_checkpoint_pool(region: str | None = None) -> AsyncConnectionPool:
    """Open the running loop's pool for a region's database (app startup: home; connects in the
    background); idempotent."""
    key = (asyncio.get_running_loop(), region)
    pool = _pools.get(key)
    if pool is None:
        # The connection settings of AsyncPostgresSaver.from_conn_string; `check` replaces a connection
        # the server dropped (restart, idle timeout) instead of failing the turn that draws it.
        pool = AsyncConnectionPool(
            checkpoint_dsn(region), min_size=POOL_MIN_SIZE, max_size=POOL_MAX_SIZE, open=False,
            name=APPLICATION_NAME, check=AsyncConnectionPool.check_connection,
            kwargs=_connection_kwargs(),
        )
        _pools[key] = pool
        await pool.open(wait=False)
    return pool


async def close_checkpoint_pool() -> None:
    """Close the running loop's pools (app shutdown)."""
    loop = asyncio.get_running_loop()
    for key in [key for key in _pools if key[0] is loop]:
        await _pools.pop(key).close()


@asynccontextmanager
async def open_checkpointer(tenant_id: UUID) -> AsyncIterator[AsyncPostgresSaver]:
    """A checkpointer for one turn in the tenant's region: on the loop's pool for that region (opened
    on first use where the app runs pools), or on its own connection when the loop has none."""
    loop = asyncio.get_running_loop()
    region = await asyncio.to_thread(region_of, tenant_id)
    if (loop, None) in _pools:
        yield AsyncPostgresSaver(_pools.get((loop, region)) or await open_checkpoint_pool(region))
        return
    async with await AsyncConnection.connect(checkpoint_dsn(region), **_connection_kwargs()) as conn:
        yield AsyncPostgresSaver(conn)


def latest_messages(tenant_id: UUID, thread_ids: Iterable[str]) -> dict[str, list[AnyMessage]]:
    """Each thread's messages at its latest checkpoint (empty when it has none); for sync workers."""
    with Connection.connect(checkpoint_dsn(region_of(tenant_id)), **_connection_kwargs()) as conn:
        saver = PostgresSaver(conn)  # type: ignore[arg-type]
        found = {}
        for thread_id in thread_ids:
            state = saver.get_tuple({"configurable": {"thread_id": thread_id}})
            found[thread_id] = list(state.checkpoint["channel_values"].get("messages", [])) if state else []
        return found
