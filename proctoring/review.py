"""The proctor's side: review queue, timelines, evidence frames and the final decision."""

from uuid import UUID

from sqlmodel import Session, col, select

from cognify.crud import page
from cognify.errors import CognifyError, Conflict, NotFound
from cognify.logging import get_logger
from cognify.models import utcnow
from cognify.security import Actor
from cognify.storage import get_store
from domain.lms.models import Certificate
from proctoring.certify import certify
from proctoring.completion import MIN_COVERAGE, coverage
from proctoring.events import EventType
from proctoring.models import (
    DecisionIn,
    EventPublic,
    NotePublic,
    ProctoringSession,
    ProctorNote,
    QueueItem,
    SessionPublic,
    SessionStatus,
    Timeline,
    TimelineEvent,
)

log = get_logger("proctoring.review")
TOP_REASONS = 3


class EvidenceGone(CognifyError):
    """The evidence frame was purged under the tenant's retention policy."""

    status_code = 410
    code = "evidence_purged"


def _events(session: Session, session_id: UUID) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(TimelineEvent.session_id == session_id)
    return list(session.exec(query.order_by(col(TimelineEvent.start_s), col(TimelineEvent.type))).all())


def _reason(event: TimelineEvent) -> str:
    span = f"{event.start_s:.1f}s"
    if event.end_s > event.start_s:
        span = f"{event.start_s:.1f}-{event.end_s:.1f}s"
    return f"{EventType(event.type).value} at {span} (-{event.penalty or 0:.1f})"


def review_queue(session: Session, limit: int, offset: int) -> tuple[list[QueueItem], int]:
    """Flagged, undecided sessions, oldest first, each with its costliest events."""
    query = select(ProctoringSession).where(
        ProctoringSession.status == SessionStatus.completed, col(ProctoringSession.flagged).is_(True),
        col(ProctoringSession.decision).is_(None),
    ).order_by(col(ProctoringSession.finished_at), col(ProctoringSession.id))
    rows, count = page(session, query, limit, offset)
    items = []
    for row in rows:
        worst = sorted(_events(session, row.id), key=lambda e: -(e.penalty or 0))[:TOP_REASONS]
        reasons = [_reason(event) for event in worst]
        if coverage(row) < MIN_COVERAGE:
            reasons.insert(0, f"video covers {coverage(row):.0%} of the session")
        items.append(QueueItem(session_id=row.id, attempt_id=row.attempt_id, student_id=row.student_id,
                               integrity_score=row.integrity_score, finished_at=row.finished_at,
                               top_reasons=reasons[:TOP_REASONS]))
    return items, count


def _get(session: Session, session_id: UUID) -> ProctoringSession:
    row = session.get(ProctoringSession, session_id)
    if row is None:
        raise NotFound("Proctoring session not found")
    return row


def timeline(session: Session, session_id: UUID, evidence_path: str) -> Timeline:
    """The session, its face and browser events in time order, and evidence links."""
    row = _get(session, session_id)
    events = []
    for event in _events(session, row.id):
        url = f"{evidence_path}/{event.id}" if event.evidence_key else None
        events.append(EventPublic.model_validate(
            event, update={"evidence_url": url, "evidence_purged": event.evidence_purged_at is not None}
        ))
    notes = session.exec(select(ProctorNote).where(ProctorNote.session_id == row.id)
                         .order_by(col(ProctorNote.created_at))).all()
    return Timeline(session=SessionPublic.model_validate(row), events=events,
                    notes=[NotePublic.model_validate(note) for note in notes],
                    decision_note=row.decision_note, decided_by=row.decided_by)


def evidence(session: Session, session_id: UUID, event_id: UUID) -> bytes:
    """The JPEG evidence frame of one event."""
    event = session.get(TimelineEvent, event_id)
    if event is None or event.session_id != session_id:
        raise NotFound("Event not found")
    if event.evidence_purged_at is not None:
        raise EvidenceGone("The evidence frame was purged under the retention policy")
    if event.evidence_key is None:
        raise NotFound("This event has no evidence frame")
    return get_store().get(event.evidence_key)


def decide(
    session: Session, actor: Actor, session_id: UUID, data: DecisionIn
) -> tuple[ProctoringSession, Certificate | None]:
    """Record the final decision on a flagged session and move its certificate on."""
    row = session.exec(
        select(ProctoringSession).where(ProctoringSession.id == session_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound("Proctoring session not found")
    if row.decision is not None:
        raise Conflict(f"This session was already decided: {row.decision.value}", code="already_decided")
    if row.status != SessionStatus.completed or not row.flagged:
        raise Conflict("Only a scored, flagged session can be decided", code="not_flagged")
    row.decision, row.decision_note = data.decision, data.note
    row.decided_by, row.decided_at = actor.user_id, utcnow()
    row.updated_at = row.decided_at
    session.add(row)
    session.flush()
    log.info("proctoring_decision", session_id=str(row.id), decision=data.decision.value,
             decided_by=str(actor.user_id), decided_at=row.decided_at.isoformat())
    return row, certify(session, row.attempt_id)
