"""The LangGraph checkpointer: Postgres as the RLS-bound app role (its tables come from the migration)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from cognify.db import app_url


def checkpoint_dsn() -> str:
    """A libpq connection string for the app role."""
    return app_url().set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def open_checkpointer() -> AsyncIterator[AsyncPostgresSaver]:
    """A checkpointer on its own connection, closed when the run ends."""
    async with AsyncPostgresSaver.from_conn_string(checkpoint_dsn()) as saver:
        yield saver
