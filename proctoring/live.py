"""The live proctor view: a card per session in progress, pushed to proctors over Redis pub/sub.

Every frame and browser report recomputes its session's card (current smoothed flags, browser
event counts) and publishes it on the tenant's channel; the latest frame waits in Redis for
``FRAME_TTL_S`` so any API worker can serve it. A proctor can add notes to any session and end a
live one for cause: the session is completed and flagged, so it lands in the review queue.
"""

from collections.abc import AsyncIterator
from uuid import UUID

import redis
from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from cognify.errors import Conflict, Forbidden, NotFound
from cognify.logging import get_logger
from cognify.models import utcnow
from cognify.redis import get_redis, new_async_redis
from cognify.security import Actor
from domain.identity.models import User
from domain.lms.models import Assessment, AssessmentAttempt
from proctoring.analysis import resegment, tenant_policy
from proctoring.completion import complete_session
from proctoring.models import (
    FrameSignal,
    ProctoringSession,
    ProctorNote,
    SessionSource,
    SessionStatus,
    TimelineEvent,
)

log = get_logger("proctoring.live")
FRAME_TTL_S = 120
FLAG_WINDOW_S = 30.0
HEARTBEAT_S = 15.0


class LiveCard(BaseModel):
    """What the live view shows of one session; ``live`` turns False when it ends."""

    session_id: UUID
    student: str
    assessment: str
    live: bool
    t: float | None
    frames_processed: int
    flags: list[str]
    browser: dict[str, int]
    notes: int
    ended_reason: str | None = None


def channel(tenant_id: UUID) -> str:
    """The tenant's pub/sub channel of live cards."""
    return f"cognify:proctor-live:{tenant_id}"


def _frame_key(session_id: UUID) -> str:
    return f"cognify:proctor-live:frame:{session_id}"


def current_flags(session: Session, row: ProctoringSession) -> list[str]:
    """Event types still open at the latest frame, smoothed over the last ``FLAG_WINDOW_S`` seconds."""
    if row.last_t is None:
        return []
    frames = session.exec(select(FrameSignal).where(
        FrameSignal.session_id == row.id, FrameSignal.t >= row.last_t - FLAG_WINDOW_S,
    ).order_by(col(FrameSignal.t))).all()
    end_s = row.last_t + 1.0 / row.sample_fps
    events = resegment(frames, tenant_policy(session, row.tenant_id), end_s)
    return sorted({event.type.value for event in events if event.end_s >= round(end_s, 3)})


def card(session: Session, row: ProctoringSession) -> LiveCard:
    """The session's card as of now, read inside the caller's transaction."""
    student = session.get(User, row.student_id)
    attempt = session.get(AssessmentAttempt, row.attempt_id)
    assessment = session.get(Assessment, attempt.assessment_id) if attempt else None
    browser = session.exec(select(TimelineEvent.type, func.count()).where(
        TimelineEvent.session_id == row.id, TimelineEvent.source == "browser",
    ).group_by(TimelineEvent.type)).all()
    notes = session.exec(select(func.count()).where(ProctorNote.session_id == row.id)).one()
    live = row.status == SessionStatus.open
    return LiveCard(
        session_id=row.id, student=(student.full_name or student.email) if student else "Unknown student",
        assessment=assessment.title if assessment else "Assessment", live=live, t=row.last_t,
        frames_processed=row.frames_processed, flags=current_flags(session, row) if live else [],
        browser={str(kind): count for kind, count in browser}, notes=notes, ended_reason=row.ended_reason,
    )


def live_cards(session: Session) -> list[LiveCard]:
    """Cards of the tenant's live sessions in progress, most recently active first."""
    rows = session.exec(select(ProctoringSession).where(
        ProctoringSession.status == SessionStatus.open, ProctoringSession.source == SessionSource.live,
    ).order_by(col(ProctoringSession.updated_at).desc()).limit(200)).all()
    return [card(session, row) for row in rows]


def publish(session: Session, row: ProctoringSession, frame: bytes | None = None) -> None:
    """Push the session's card (and its latest frame) to the tenant's proctors; a Redis outage only
    costs the live view, never the frame or report being recorded."""
    try:
        client = get_redis()
        if frame is not None:
            client.set(_frame_key(row.id), frame, ex=FRAME_TTL_S)
        client.publish(channel(row.tenant_id), card(session, row).model_dump_json())
    except redis.RedisError as error:
        log.warning("live_publish_failed", session_id=str(row.id), error=str(error))


def latest_frame(session_id: UUID) -> bytes | None:
    """The session's last frame while it is fresh (the caller checks the session is visible)."""
    data = get_redis().get(_frame_key(session_id))
    return data if isinstance(data, bytes) else None


async def stream(tenant_id: UUID) -> AsyncIterator[str]:
    """Server-Sent Events: every card published on the tenant's channel, heartbeats between."""
    client = new_async_redis()
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(channel(tenant_id))
        yield "retry: 2000\n: connected\n\n"
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=HEARTBEAT_S)
            if message is None:
                yield ": heartbeat\n\n"
                continue
            data = message["data"].decode() if isinstance(message["data"], bytes) else str(message["data"])
            yield f"event: card\ndata: {data}\n\n"  # one line of JSON, as `publish` wrote it
    finally:
        await pubsub.aclose()
        await client.aclose()


def _proctored(session: Session, actor: Actor, session_id: UUID) -> ProctoringSession:
    if not actor.can("proctor"):
        raise Forbidden("Only proctors can do this")
    row = session.get(ProctoringSession, session_id)  # row-level security keeps it in the tenant
    if row is None:
        raise NotFound("Proctoring session not found")
    return row


def add_note(session: Session, actor: Actor, session_id: UUID, body: str) -> ProctorNote:
    """A proctor's note, stamped with the session time it was written at while the session is open."""
    row = _proctored(session, actor, session_id)
    note = ProctorNote(session_id=row.id, author_id=actor.user_id, body=body,
                       t=row.last_t if row.status == SessionStatus.open else None)
    session.add(note)
    session.flush()
    publish(session, row)
    return note


def end_for_cause(session: Session, actor: Actor, session_id: UUID, reason: str) -> ProctoringSession:
    """Stop a live session now: score what it recorded, flag it for review, note who ended it and why."""
    _proctored(session, actor, session_id)
    locked = select(ProctoringSession).where(ProctoringSession.id == session_id).with_for_update()
    row = session.exec(locked).one()
    if row.status != SessionStatus.open or row.source != SessionSource.live:
        raise Conflict(f"Only a live session in progress can be ended; this one is {row.status.value}",
                       code="session_not_live")
    row.ended_by, row.ended_reason, row.updated_at = actor.user_id, reason, utcnow()
    session.add(ProctorNote(session_id=row.id, author_id=actor.user_id, t=row.last_t,
                            body=f"Ended the session for cause: {reason}"))
    complete_session(session, row)
    publish(session, row)
    return row
