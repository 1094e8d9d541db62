"""Domain events: the outbox tables, `emit` in the caller's transaction, and the handler registry.

A change and its event commit together or not at all. After the commit a relay task is kicked
(`cognify.outbox`); handlers run later, at least once each, in their own tenant transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic_core import to_jsonable_python
from sqlalchemy import Column, Connection, DateTime, Text, event, insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel

from cognify.logging import get_logger
from cognify.models import TenantScoped, json_field, tenant_field, timestamp_field

log = get_logger("cognify.events")
_KICK_FLAG = "outbox_kick"


class OutboxEvent(TenantScoped, table=True):
    """One event waiting for (or done with) its handlers."""

    __tablename__ = "outbox_events"
    event_type: str = Field(max_length=80)
    payload: dict[str, Any] = json_field()
    attempts: int = 0
    next_attempt_at: datetime = timestamp_field()
    processed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class OutboxReceipt(SQLModel, table=True):
    """Proof that a handler finished an event, written in the handler's own transaction."""

    __tablename__ = "outbox_receipts"
    event_id: UUID = Field(primary_key=True)
    handler: str = Field(primary_key=True, max_length=120)
    tenant_id: UUID = tenant_field()
    created_at: datetime = timestamp_field()


class DeadLetter(TenantScoped, table=True):
    """A handler that failed its last try, kept for an admin to inspect and retry."""

    __tablename__ = "dead_letters"
    event_id: UUID
    event_type: str = Field(max_length=80)
    handler: str = Field(max_length=120)
    payload: dict[str, Any] = json_field()
    error: str = ""
    attempts: int = 0
    retried_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


@dataclass(frozen=True)
class Event:
    """What a handler receives: the event's id, tenant, type and JSON payload."""

    id: UUID
    tenant_id: UUID
    type: str
    payload: dict[str, Any]


HandlerFn = Callable[[Session, Event], None]


@dataclass(frozen=True)
class Handler:
    """A named reaction to one event type."""

    name: str
    event_type: str
    fn: HandlerFn


@dataclass
class HandlerRegistry:
    """Handlers by event type and by name; modules register theirs when imported."""

    by_type: dict[str, list[Handler]] = field(default_factory=dict)
    by_name: dict[str, Handler] = field(default_factory=dict)

    def on(self, event_type: str, name: str) -> Callable[[HandlerFn], HandlerFn]:
        """Register the decorated function as handler `name` of `event_type`."""

        def register(fn: HandlerFn) -> HandlerFn:
            if name in self.by_name and self.by_name[name].fn is not fn:
                raise ValueError(f"handler {name!r} is already registered")
            handler = Handler(name, event_type, fn)
            self.by_name[name] = handler
            listed = self.by_type.setdefault(event_type, [])
            if all(h.name != name for h in listed):
                listed.append(handler)
            return fn

        return register

    def for_type(self, event_type: str) -> list[Handler]:
        """The handlers of an event type, in registration order."""
        return list(self.by_type.get(event_type, ()))


handlers = HandlerRegistry()


def _payload(payload: dict[str, Any]) -> dict[str, Any]:
    data = to_jsonable_python(payload)
    if not isinstance(data, dict):
        raise TypeError("an event payload must be a JSON object")
    return data


def emit(session: Session, event_type: str, payload: dict[str, Any]) -> UUID:
    """Write an event in the session's transaction; the relay is kicked once it commits."""
    tenant_id = session.info.get("tenant_id")
    if tenant_id is None:
        raise ValueError("emit needs a tenant-scoped session")
    row = OutboxEvent(tenant_id=tenant_id, event_type=event_type, payload=_payload(payload))
    session.add(row)
    kick_after_commit(session)
    return row.id


def emit_on(connection: Connection, session: OrmSession | None, tenant_id: UUID, event_type: str,
            payload: dict[str, Any]) -> UUID:
    """Write an event during a flush (mapper hooks), on the flushing connection."""
    event_id = uuid4()
    connection.execute(insert(OutboxEvent.__table__).values(  # type: ignore[attr-defined]
        id=event_id, tenant_id=tenant_id, event_type=event_type, payload=_payload(payload)))
    if session is not None:
        kick_after_commit(session)
    return event_id


def kick_after_commit(session: OrmSession) -> None:
    """Enqueue the relay once the session's current transaction commits."""
    if session.info.get(_KICK_FLAG):
        return
    session.info[_KICK_FLAG] = True
    event.listen(session, "after_commit", _kick, once=True)
    event.listen(session, "after_rollback", _forget, once=True)


def _forget(session: OrmSession) -> None:
    session.info.pop(_KICK_FLAG, None)


def _kick(session: OrmSession) -> None:
    session.info.pop(_KICK_FLAG, None)
    from cognify.outbox import relay

    try:
        relay.apply_async()
    except Exception as exc:  # noqa: BLE001 - the periodic relay picks the event up anyway
        log.warning("outbox_kick_failed", error=str(exc))
