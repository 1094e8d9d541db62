"""Proctoring background work: analysing uploaded recordings (retention is privacy's purge)."""

import tempfile
from collections import defaultdict
from pathlib import Path
from uuid import UUID

from sqlmodel import Session, delete

from cognify.db import tenant_session
from cognify.events import Event, handlers
from cognify.logging import get_logger
from cognify.storage import get_store
from cognify.worker import app
from proctoring.analysis import signal_row, tenant_policy
from proctoring.completion import complete_session, fail_session
from proctoring.detectors.face_identity import Embedding
from proctoring.enrolment import reference_embedding
from proctoring.errors import ProctoringError
from proctoring.models import FrameSignal, ProctoringSession, SessionStatus
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.recorded import Recorded, analyse_recording, frames_expected
from proctoring.sessions import RECORDING_UPLOADED, media_prefix
from proctoring.signals import FrameSignals

log = get_logger("proctoring.tasks")
PROGRESS_EVERY = 8


def _save(tenant_id: UUID, session_id: UUID, rows: list[FrameSignal]) -> None:
    """Record a batch of signals and advance the session's progress in its own transaction (the row
    is locked: the recording's time ranges report side by side)."""
    with tenant_session(tenant_id) as session:
        row = session.get(ProctoringSession, session_id, with_for_update=True)
        if row is None:
            return
        session.add_all(rows)
        row.frames_processed += len(rows)
        row.last_t = max(rows[-1].t, row.last_t or 0.0)
        session.add(row)
    rows.clear()


def _analyse(
    tenant_id: UUID, row: ProctoringSession, path: Path, policy: ProctoringPolicy, reference: Embedding | None
) -> Recorded:
    """Signals of every sampled frame on every core, saved as they come; duration and speech."""
    with tenant_session(tenant_id) as session:
        found = session.get(ProctoringSession, row.id)
        if found is not None:
            found.frames_total = frames_expected(path, row.sample_fps)
            session.add(found)
    batches: dict[int, list[FrameSignal]] = defaultdict(list)

    def sink(index: int, signals: FrameSignals, evidence: bytes | None) -> None:
        signal = signal_row(row.id, signals, None)
        if evidence is not None:
            signal.frame_key = f"{media_prefix(row)}/frames/{signal.id}.jpg"
            get_store().put(signal.frame_key, evidence, "image/jpeg")
        batch = batches[index]
        batch.append(signal)
        if len(batch) >= PROGRESS_EVERY:
            _save(tenant_id, row.id, batch)

    recorded = analyse_recording(path, row.sample_fps, policy, DetectorSettings(), sink, reference)
    for batch in batches.values():
        if batch:
            _save(tenant_id, row.id, batch)
    return recorded


@app.task(name="proctoring.analyze_video")
def analyze_video(tenant_id: str, session_id: str) -> str:
    """Analyse a session's uploaded recording with progress, then score and certify."""
    tenant, sid = UUID(tenant_id), UUID(session_id)
    with tenant_session(tenant) as session:
        row = session.get(ProctoringSession, sid)
        if row is None or row.status != SessionStatus.analyzing or row.video_key is None:
            return "skipped"
        policy = tenant_policy(session, tenant)
        reference = reference_embedding(session, tenant, row.student_id)
        data = get_store().get(row.video_key)
        session.exec(delete(FrameSignal).where(FrameSignal.session_id == sid))  # type: ignore[call-overload]
        row.frames_processed, row.last_t = 0, None
        session.add(row)
    try:
        with tempfile.TemporaryDirectory(prefix="cognify-proctor-") as directory:
            path = Path(directory) / "recording"
            path.write_bytes(data)
            recorded = _analyse(tenant, row, path, policy, reference)
        with tenant_session(tenant) as session:
            current = session.get(ProctoringSession, sid)
            if current is not None:
                complete_session(session, current, recorded.duration_s, recorded.speech,
                                 identity_checked=reference is not None)
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
