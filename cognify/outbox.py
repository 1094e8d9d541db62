"""The outbox relay: claims due events across tenants and runs their handlers, at least once.

The relay reads as the owner role (every tenant's rows) and holds each claimed row locked
(`FOR UPDATE SKIP LOCKED`) while its handlers run, so concurrent relays never share an event.
Each handler runs in its own `tenant_session(tenant_id)` together with its receipt, which makes
a re-delivered event a no-op for handlers that already finished. A failing event is retried
with exponential backoff; after the last try each failing handler becomes a dead letter.
"""

import traceback
from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from cognify.db import owner_engine, tenant_session
from cognify.events import DeadLetter, Event, Handler, OutboxEvent, OutboxReceipt, handlers
from cognify.logging import get_logger
from cognify.models import utcnow
from cognify.regions import databases
from cognify.settings import get_settings
from cognify.worker import app

log = get_logger("cognify.outbox")
MAX_LOOPS = 50


def backoff_s(attempts: int) -> float:
    """Delay before the next try after `attempts` failures: base * 2^(attempts-1)."""
    return get_settings().outbox_backoff_s * 2 ** max(attempts - 1, 0)


def run_handler(handler: Handler, event: Event) -> bool:
    """Run one handler in its own tenant transaction; False when its receipt says it already ran."""
    with tenant_session(event.tenant_id) as session:
        receipt = pg_insert(OutboxReceipt).values(event_id=event.id, handler=handler.name)
        done = session.execute(receipt.on_conflict_do_nothing().returning(OutboxReceipt.event_id))
        if done.first() is None:
            return False
        handler.fn(session, event)
    return True


def _deliver(owner: Session, row: OutboxEvent) -> float | None:
    """Run every handler of the row; the retry delay when one failed and tries remain."""
    event = Event(row.id, row.tenant_id, row.event_type, row.payload)
    failed: list[tuple[Handler, str]] = []
    for handler in handlers.for_type(row.event_type):
        try:
            run_handler(handler, event)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            log.warning("outbox_handler_failed", handler=handler.name, event_id=str(row.id),
                        attempt=row.attempts + 1, error=repr(exc))
            failed.append((handler, "".join(traceback.format_exception(exc))[-4000:]))
    if not failed:
        row.processed_at = utcnow()
        return None
    row.attempts += 1
    row.last_error = failed[0][1]
    if row.attempts < get_settings().outbox_max_attempts:
        delay = backoff_s(row.attempts)
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
        return delay
    for handler, error in failed:
        owner.execute(pg_insert(DeadLetter).values(
            id=uuid4(), tenant_id=row.tenant_id, event_id=row.id, event_type=row.event_type,
            handler=handler.name, payload=row.payload, error=error, attempts=row.attempts,
        ).on_conflict_do_nothing())
        log.error("outbox_dead_letter", handler=handler.name, event_id=str(row.id))
    row.processed_at = utcnow()
    return None


def relay_batch(limit: int, region: str | None = None) -> tuple[int, list[float]]:
    """Claim and deliver up to `limit` due events of one database; (claimed, retry delays)."""
    with Session(owner_engine(region), expire_on_commit=False) as owner, owner.begin():
        rows = owner.exec(
            select(OutboxEvent)
            .where(col(OutboxEvent.processed_at).is_(None), OutboxEvent.next_attempt_at <= func.now())
            .order_by(col(OutboxEvent.next_attempt_at)).limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        delays = [d for row in rows if (d := _deliver(owner, row)) is not None]
    return len(rows), delays


@app.task(name="cognify.outbox.relay", acks_late=True, ignore_result=True)
def relay() -> int:
    """Deliver due events until none is left; schedule a run for the earliest retry."""
    app.loader.import_default_modules()  # every handler module is registered wherever this runs
    limit = get_settings().outbox_batch
    total = 0
    retries: list[float] = []
    for region in databases():
        for _ in range(MAX_LOOPS):
            claimed, delays = relay_batch(limit, region)
            total += claimed
            retries += delays
            if claimed < limit:
                break
    if retries:
        relay.apply_async(countdown=min(retries))
    return total


@app.task(name="cognify.outbox.retry_dead_letter", acks_late=True, ignore_result=True)
def retry_dead_letter(tenant_id: str, dead_letter_id: str) -> bool:
    """Run a dead letter's handler again; resolve it on success, record the error otherwise."""
    with tenant_session(UUID(tenant_id)) as session:
        letter = session.get(DeadLetter, UUID(dead_letter_id))
        if letter is None or letter.resolved_at is not None:
            return False
        event = Event(letter.event_id, letter.tenant_id, letter.event_type, letter.payload)
        handler = handlers.by_name.get(letter.handler)
    try:
        if handler is None:
            raise LookupError(f"no handler named {letter.handler!r} in this worker")
        run_handler(handler, event)
    except Exception as exc:  # noqa: BLE001 - the failure is recorded on the dead letter
        with tenant_session(UUID(tenant_id)) as session:
            letter = session.get(DeadLetter, UUID(dead_letter_id))
            if letter is not None:
                letter.attempts += 1
                letter.error = "".join(traceback.format_exception(exc))[-4000:]
                session.add(letter)
        return False
    with tenant_session(UUID(tenant_id)) as session:
        letter = session.get(DeadLetter, UUID(dead_letter_id))
        if letter is not None:
            letter.resolved_at = utcnow()
            session.add(letter)
    log.info("outbox_dead_letter_resolved", dead_letter_id=dead_letter_id)
    return True
