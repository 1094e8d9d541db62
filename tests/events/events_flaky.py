"""Test-only handlers the worker loads with `--include`: one fails while a Redis key says so, one is slow."""

import time
from uuid import uuid4

from sqlalchemy import text
from sqlmodel import Session

from cognify.events import Event, handlers
from cognify.redis import get_redis

FLAKY = "test.flaky"
SLOW = "test.slow"


def fail_key(token: str) -> str:
    """While this Redis key exists, the handler for `token` raises."""
    return f"test:flaky:{token}"

@handlers.on(FLAKY, name="test.flaky_handler")
def flaky(session: Session, event: Event) -> None:
    """Raise while told to; otherwise leave a KPI event carrying the token."""
    token = event.payload["token"]
    if get_redis().exists(fail_key(token)):
        raise RuntimeError(f"told to fail for {token}")
    session.execute(text("INSERT INTO kpi_events (id, event_type, source, tags, properties) "
                         "VALUES (:id, 'test.flaky', 'test', '{}', CAST(:p AS jsonb))"),
                    {"id": event.id, "p": f'{{"token": "{token}"}}'})


@handlers.on(SLOW, name="test.slow_handler")
def slow(session: Session, event: Event) -> None:
    """Take `seconds`, then leave a KPI event under a fresh id: a second run would leave a second row."""
    time.sleep(float(event.payload.get("seconds", 0.1)))
    session.execute(text("INSERT INTO kpi_events (id, event_type, source, tags, properties) "
                         "VALUES (:id, 'test.slow', 'test', '{}', CAST(:p AS jsonb))"),
                    {"id": uuid4(), "p": f'{{"token": "{event.payload["token"]}"}}'})
