"""Proctoring sessions as the student's exam page drives them: start, frames, browser events, video."""

import math
from uuid import UUID

from sqlmodel import Session, col, func, select

from cognify.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cognify.events import emit
from cognify.models import utcnow
from cognify.security import Actor
from cognify.storage import get_store
from domain.lms.models import AssessmentAttempt, AttemptStatus
from domain.privacy.consent import Purpose, require_consent
from proctoring.analysis import extractor_for, may_raise_event, signal_row, tenant_policy
from proctoring.browser import BrowserEvent
from proctoring.completion import complete_session
from proctoring.detectors.face_identity import Embedding
from proctoring.enrolment import reference_embedding
from proctoring.errors import FramesOutOfOrder, UnreadableFrame
from proctoring.live import publish
from proctoring.models import (
    FrameSignal,
    ProctoringSession,
    SessionCreate,
    SessionSource,
    SessionStatus,
    TimelineEvent,
)
from proctoring.policy import DetectorSettings
from proctoring.sources import check_order, decode_jpeg
from proctoring.uploads import check_video

RECORDING_UPLOADED = "proctoring.recording_uploaded"


def media_prefix(row: ProctoringSession) -> str:
    """Object-storage prefix of everything a session stores."""
    return f"{row.tenant_id}/proctoring/{row.id}"


def start_session(session: Session, actor: Actor, data: SessionCreate) -> ProctoringSession:
    """Open a session for the acting student's own in-progress proctored attempt, once they consented to
    `proctoring_recording` (a minor: with their guardian's consent)."""
    if not actor.can("assessments:take"):
        raise Forbidden("Only students sitting an exam can start proctoring")
    attempt = session.get(AssessmentAttempt, data.attempt_id)
    if attempt is None or attempt.student_id != actor.user_id:
        raise NotFound("Attempt not found")
    if not attempt.proctored:
        raise ValidationFailed("attempt_id: this attempt is not proctored", details={"field": "attempt_id"})
    if attempt.status != AttemptStatus.in_progress:
        raise Conflict(f"This attempt is {attempt.status.value}", code="attempt_closed")
    query = select(ProctoringSession).where(ProctoringSession.attempt_id == attempt.id)
    existing = session.exec(query).first()
    if existing is not None:
        raise Conflict("This attempt already has a proctoring session", code="session_exists",
                       details={"session_id": str(existing.id)})
    require_consent(session, actor.tenant_id, actor.user_id, Purpose.proctoring_recording)
    row = ProctoringSession(attempt_id=attempt.id, student_id=actor.user_id, source=data.source)
    session.add(row)
    session.flush()
    return row


def visible_session(session: Session, actor: Actor, session_id: UUID) -> ProctoringSession:
    """A session its student or a proctor of the tenant may read; 404 for anyone else."""
    row = session.get(ProctoringSession, session_id)
    if row is None or not (row.student_id == actor.user_id or actor.can("proctor")):
        raise NotFound("Proctoring session not found")
    return row


def own_open_session(
    session: Session, actor: Actor, session_id: UUID, source: SessionSource | None = None
) -> ProctoringSession:
    """The acting student's session, locked, still taking media (of the given source)."""
    row = session.exec(
        select(ProctoringSession).where(ProctoringSession.id == session_id).with_for_update()
    ).first()
    if row is None or row.student_id != actor.user_id:
        raise NotFound("Proctoring session not found")
    if row.status != SessionStatus.open:
        raise Conflict(f"This proctoring session is {row.status.value}", code="session_closed")
    if source is not None and row.source != source:
        raise Conflict(f"This session takes {row.source.value} input", code="wrong_session_source")
    return row


def add_frame(session: Session, actor: Actor, session_id: UUID, data: bytes, t: float) -> ProctoringSession:
    """Analyse one live JPEG frame and record its signals; frames must arrive in time order."""
    row = own_open_session(session, actor, session_id, SessionSource.live)
    try:
        check_order(row.last_t, t)
        image = decode_jpeg(data)
    except FramesOutOfOrder as error:
        raise Conflict(str(error), code="frame_out_of_order", details={"last_t": row.last_t}) from error
    except UnreadableFrame as error:
        raise ValidationFailed(str(error), code="unreadable_frame") from error
    policy = tenant_policy(session, row.tenant_id)
    signals = extractor_for(policy).extract(image, t, _identity_due(session, row, t))
    signal = signal_row(row.id, signals, None)
    if may_raise_event(signals, policy):
        signal.frame_key = f"{media_prefix(row)}/frames/{signal.id}.jpg"
        get_store().put(signal.frame_key, data, "image/jpeg")
    row.last_t, row.frames_processed, row.updated_at = t, row.frames_processed + 1, utcnow()
    session.add_all([signal, row])
    session.flush()
    publish(session, row, data)
    return row


def _identity_due(session: Session, row: ProctoringSession, t: float) -> Embedding | None:
    """The enrolment embedding when no identity check was made yet in this frame's interval."""
    reference = reference_embedding(session, row.tenant_id, row.student_id)
    if reference is None:
        return None
    interval = DetectorSettings().identity_interval_s
    last = session.exec(select(func.max(FrameSignal.t)).where(
        FrameSignal.session_id == row.id, col(FrameSignal.identity_distance).is_not(None))).one()
    if last is not None and math.floor(last / interval + 1e-9) == math.floor(t / interval + 1e-9):
        return None
    return reference


def add_browser_events(
    session: Session, actor: Actor, session_id: UUID, events: list[BrowserEvent]
) -> list[TimelineEvent]:
    """Put a batch of the exam page's browser reports on the session timeline."""
    row = own_open_session(session, actor, session_id)
    rows = []
    for item in events:
        timeline = item.to_event()
        rows.append(TimelineEvent(session_id=row.id, type=timeline.type, source="browser",
                                  start_s=timeline.start_s, end_s=timeline.end_s, confidence=1.0))
    session.add_all(rows)
    session.flush()
    if row.source == SessionSource.live:
        publish(session, row)
    return rows


def store_video(session: Session, actor: Actor, session_id: UUID, data: bytes) -> ProctoringSession:
    """Keep an uploaded recording; its analysis is enqueued through the outbox on commit."""
    row = own_open_session(session, actor, session_id, SessionSource.video)
    if row.video_key is not None:
        raise Conflict("A recording was already uploaded", code="video_exists")
    check_video(data)
    row.video_key = f"{media_prefix(row)}/video"
    get_store().put(row.video_key, data, "application/octet-stream")
    row.status, row.updated_at = SessionStatus.analyzing, utcnow()
    session.add(row)
    session.flush()
    emit(session, RECORDING_UPLOADED, {"session_id": row.id})
    return row


def finish_session(session: Session, actor: Actor, session_id: UUID) -> ProctoringSession:
    """End a live session: segment its frames, score it, flag it by policy, certify the attempt."""
    row = own_open_session(session, actor, session_id, SessionSource.live)
    complete_session(session, row)
    publish(session, row)
    return row
