"""Proctoring background work: analysing uploaded recordings (retention is privacy's purge)."""

import math
import tempfile
from pathlib import Path
from uuid import UUID

import cv2
from sqlmodel import Session, delete

from cognify.db import tenant_session
from cognify.events import Event, handlers
from cognify.logging import get_logger
from cognify.storage import get_store
from cognify.worker import app
from proctoring.analysis import may_raise_event, signal_row, tenant_policy
from proctoring.completion import complete_session, fail_session
from proctoring.errors import ProctoringError
from proctoring.models import FrameSignal, ProctoringSession, SessionStatus
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.segmenter import encode_jpeg
from proctoring.sessions import RECORDING_UPLOADED, media_prefix
from proctoring.signals import SignalExtractor
from proctoring.sources import VideoFileSource

log = get_logger("proctoring.tasks")
PROGRESS_EVERY = 8


def _frames_total(path: Path, sample_fps: float) -> int | None:
    capture = cv2.VideoCapture(str(path))
    try:
        count, fps = capture.get(cv2.CAP_PROP_FRAME_COUNT), capture.get(cv2.CAP_PROP_FPS)
    finally:
        capture.release()
    if not (count > 0 and fps > 0):
        return None
    return math.ceil(count / fps * sample_fps)


def _save(tenant_id: UUID, session_id: UUID, rows: list[FrameSignal]) -> None:
    """Record a batch of signals and advance the session's progress in its own transaction."""
    with tenant_session(tenant_id) as session:
        row = session.get(ProctoringSession, session_id)
        if row is None:
            return
        session.add_all(rows)
        row.frames_processed += len(rows)
        row.last_t = rows[-1].t
        session.add(row)
    rows.clear()


def _analyse(tenant_id: UUID, row: ProctoringSession, path: Path, policy: ProctoringPolicy) -> float:
    """Signals of every sampled frame, saved as they come; the recording's duration."""
    with tenant_session(tenant_id) as session:
        found = session.get(ProctoringSession, row.id)
        if found is not None:
            found.frames_total = _frames_total(path, row.sample_fps)
            session.add(found)
    extractor = SignalExtractor(policy, DetectorSettings())
    batch: list[FrameSignal] = []
    try:
        with VideoFileSource(path, row.sample_fps) as source:
            for frame in source:
                signals = extractor.extract(frame.image, frame.t)
                signal = signal_row(row.id, signals, None)
                if may_raise_event(signals, policy):
                    signal.frame_key = f"{media_prefix(row)}/frames/{signal.id}.jpg"
                    get_store().put(signal.frame_key, encode_jpeg(frame.image), "image/jpeg")
                batch.append(signal)
                if len(batch) >= PROGRESS_EVERY:
                    _save(tenant_id, row.id, batch)
            if batch:
                _save(tenant_id, row.id, batch)
            return source.duration_s
    finally:
        extractor.close()


@app.task(name="proctoring.analyze_video")
def analyze_video(tenant_id: str, session_id: str) -> str:
    """Analyse a session's uploaded recording with progress, then score and certify."""
    tenant, sid = UUID(tenant_id), UUID(session_id)
    with tenant_session(tenant) as session:
        row = session.get(ProctoringSession, sid)
        if row is None or row.status != SessionStatus.analyzing or row.video_key is None:
            return "skipped"
        policy = tenant_policy(session, tenant)
        data = get_store().get(row.video_key)
        session.exec(delete(FrameSignal).where(FrameSignal.session_id == sid))  # type: ignore[call-overload]
        row.frames_processed, row.last_t = 0, None
        session.add(row)
    try:
        with tempfile.TemporaryDirectory(prefix="cognify-proctor-") as directory:
            path = Path(directory) / "recording"
            path.write_bytes(data)
            duration_s = _analyse(tenant, row, path, policy)
        with tenant_session(tenant) as session:
            current = session.get(ProctoringSession, sid)
            if current is not None:
                complete_session(session, current, duration_s)
    except Exception as error:
        message = "not a readable video" if isinstance(error, ProctoringError) else "analysis failed"
        log.exception("video_analysis_failed", session_id=session_id, error=str(error))
        with tenant_session(tenant) as session:
            fail_session(session, sid, message)
        return "failed"
    return "completed"


@handlers.on(RECORDING_UPLOADED, name="proctoring.enqueue_analysis")
def enqueue_analysis(_: Session, event: Event) -> None:
    """Start analysing an uploaded recording (the task skips sessions no longer waiting)."""
    analyze_video.delay(str(event.tenant_id), str(event.payload["session_id"]))
