"""Finishing a session: re-segment stored signals, keep evidence, score, flag, certify."""

from uuid import UUID

from sqlmodel import Session, col, select

from cognify.models import utcnow
from cognify.storage import get_store
from proctoring.analysis import resegment, tenant_policy
from proctoring.certify import certify
from proctoring.enrolment import reference_embedding
from proctoring.events import ProctoringEvent
from proctoring.models import FrameSignal, ProctoringSession, SessionSource, SessionStatus, TimelineEvent
from proctoring.scoring import event_penalty, integrity_score, is_flagged

MIN_COVERAGE = 0.5


def coverage(row: ProctoringSession) -> float:
    """Analysed frames over the frames the session's span should have had at its sampling rate."""
    expected = (row.duration_s or 0.0) * row.sample_fps
    if expected <= 0:
        return 0.0
    return min(1.0, row.frames_processed / expected)


def _as_event(row: TimelineEvent) -> ProctoringEvent:
    return ProctoringEvent(type=row.type, start_s=row.start_s, end_s=row.end_s,
                           confidence=row.confidence, evidence_s=row.evidence_s)


def _nearest_frame_key(frames: list[FrameSignal], t: float | None) -> str | None:
    candidates = [frame for frame in frames if frame.frame_key is not None]
    if t is None or not candidates:
        return None
    return min(candidates, key=lambda frame: abs(frame.t - t)).frame_key


def complete_session(
    session: Session, row: ProctoringSession, duration_s: float | None = None,
    audio_events: list[ProctoringEvent] | None = None, identity_checked: bool | None = None,
) -> ProctoringSession:
    """Turn the session's signals, browser reports and a recording's speech (``audio_events``; None
    when its audio was not checked) into a scored timeline; certify the attempt. ``identity_checked``
    says whether frames were compared with an enrolment photo (None: whether the student has one)."""
    policy = tenant_policy(session, row.tenant_id)
    frames = list(session.exec(
        select(FrameSignal).where(FrameSignal.session_id == row.id).order_by(col(FrameSignal.t))
    ).all())
    if duration_s is None:
        duration_s = 0.0 if row.last_t is None else row.last_t + 1.0 / row.sample_fps
    timeline = list(session.exec(select(TimelineEvent).where(TimelineEvent.session_id == row.id)).all())
    for event in resegment(frames, policy, duration_s):
        timeline.append(TimelineEvent(
            session_id=row.id, type=event.type, source="video", start_s=event.start_s, end_s=event.end_s,
            confidence=event.confidence, evidence_s=event.evidence_s,
            evidence_key=_nearest_frame_key(frames, event.evidence_s),
        ))
    if identity_checked is None:
        identity_checked = reference_embedding(session, row.tenant_id, row.student_id) is not None
    row.identity_checked = identity_checked
    row.audio_checked = None if row.source != SessionSource.video else audio_events is not None
    for event in audio_events or []:
        timeline.append(TimelineEvent(
            session_id=row.id, type=event.type, source="audio", start_s=event.start_s, end_s=event.end_s,
            confidence=event.confidence, evidence_s=event.evidence_s,
        ))
    events = [_as_event(item) for item in timeline]
    for item, event in zip(timeline, events, strict=True):
        item.penalty = round(event_penalty(event, duration_s, policy), 2)
    kept = {item.evidence_key for item in timeline}
    store = get_store()
    for frame in frames:
        if frame.frame_key is not None and frame.frame_key not in kept:
            store.delete(frame.frame_key)
        frame.frame_key = None  # the kept frames now belong to their events
    row.duration_s, row.status = round(duration_s, 3), SessionStatus.completed
    row.integrity_score = integrity_score(events, duration_s, policy)
    # Frames the page never sent hide whatever happened meanwhile: too little video is flagged too.
    # A session a proctor ended for cause always goes to review.
    row.flagged = (is_flagged(events, row.integrity_score, policy) or coverage(row) < MIN_COVERAGE
                   or row.ended_reason is not None)
    row.finished_at = row.updated_at = utcnow()
    session.add_all([*timeline, *frames, row])
    session.flush()
    certify(session, row.attempt_id)
    return row


def fail_session(session: Session, session_id: UUID, error: str) -> None:
    """Record that a session's recording could not be analysed."""
    row = session.get(ProctoringSession, session_id)
    if row is not None:
        row.status, row.error, row.updated_at = SessionStatus.failed, error[:500], utcnow()
        session.add(row)
        session.flush()
