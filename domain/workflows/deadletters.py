"""Dead letters as admins see them, and the retry request."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import event
from sqlmodel import Session, SQLModel, col, select

from cognify.crud import get_or_404, order_by, page
from cognify.errors import Conflict
from cognify.events import DeadLetter
from cognify.models import utcnow
from cognify.outbox import retry_dead_letter


class DeadLetterPublic(SQLModel):
    """A failed handler run."""

    id: UUID
    event_id: UUID
    event_type: str
    handler: str
    payload: dict[str, Any]
    error: str
    attempts: int
    created_at: datetime
    retried_at: datetime | None
    resolved_at: datetime | None


class DeadLettersPublic(SQLModel):
    """A page of dead letters."""

    data: list[DeadLetterPublic]
    count: int


def list_dead_letters(session: Session, *, resolved: bool | None, limit: int,
                      offset: int) -> tuple[list[DeadLetter], int]:
    """A page of the tenant's dead letters, newest first."""
    query = select(DeadLetter)
    if resolved is not None:
        column = col(DeadLetter.resolved_at)
        query = query.where(column.is_not(None) if resolved else column.is_(None))
    return page(session, order_by(query, DeadLetter, None, ("created_at",)), limit, offset)


def request_retry(session: Session, dead_letter_id: UUID) -> DeadLetter:
    """Stamp the retry and enqueue it once this transaction commits."""
    letter = get_or_404(session, DeadLetter, dead_letter_id, "Dead letter")
    if letter.resolved_at is not None:
        raise Conflict("This dead letter is already resolved", code="already_resolved")
    letter.retried_at = utcnow()
    session.add(letter)
    session.flush()
    tenant_id, letter_id = str(letter.tenant_id), str(letter.id)
    event.listen(session, "after_commit",
                 lambda _: retry_dead_letter.delay(tenant_id, letter_id), once=True)
    return letter
