"""Retention: evidence frames, raw frames and recordings older than the tenant allows are purged."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.models import utcnow
from cognify.storage import get_store
from proctoring.analysis import retention_days
from proctoring.models import FrameSignal, ProctoringSession, TimelineEvent


def purge_expired(session: Session, tenant_id: UUID, now: datetime | None = None) -> int:
    """Delete the tenant's expired proctoring media from storage; the number of objects purged."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days(session, tenant_id))
    store, purged = get_store(), 0
    events = session.exec(select(TimelineEvent).where(
        col(TimelineEvent.evidence_key).is_not(None), TimelineEvent.created_at < cutoff)).all()
    for event in events:
        store.delete(event.evidence_key or "")
        event.evidence_key, event.evidence_purged_at = None, now
        session.add(event)
        purged += 1
    frames = session.exec(select(FrameSignal).where(
        col(FrameSignal.frame_key).is_not(None), FrameSignal.created_at < cutoff)).all()
    for frame in frames:
        store.delete(frame.frame_key or "")
        frame.frame_key = None
        session.add(frame)
        purged += 1
    recordings = session.exec(select(ProctoringSession).where(
        col(ProctoringSession.video_key).is_not(None), ProctoringSession.created_at < cutoff)).all()
    for row in recordings:
        store.delete(row.video_key or "")
        row.video_key = None
        session.add(row)
        purged += 1
    session.flush()
    return purged
