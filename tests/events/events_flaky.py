"""A test-only handler the worker loads with `--include`: it fails while a Redis key says so."""

from sqlalchemy import text
from sqlmodel import Session

from cognify.events import Event, handlers
from cognify.redis import get_redis

FLAKY = "test.flaky"


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
