"""Frame analysis that keeps no state between requests: signals go to the database, events come
from re-segmenting them when the session finishes, so any API worker can take any frame."""

import threading
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import numpy as np
from pydantic import ValidationError
from sqlmodel import Session

from cognify.logging import get_logger
from domain.tenancy.models import Tenant
from proctoring.detectors import BlockedReading, HeadPose
from proctoring.events import ProctoringEvent
from proctoring.models import FrameSignal
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.segmenter import Segmenter
from proctoring.signals import ConditionEvaluator, FrameSignals, SignalExtractor, eyes_off

log = get_logger("proctoring.analysis")
# Frames from different sessions interleave on one worker, so landmarks are never tracked across them.
LIVE_DETECTORS = DetectorSettings(mesh_tracking=False)
_PLACEHOLDER = np.zeros((1, 1, 3), np.uint8)
# MediaPipe graphs take ~0.1 s to build and are not thread-safe: one set per API worker thread.
_extractors = threading.local()


def tenant_settings(session: Session, tenant_id: UUID) -> dict[str, Any]:
    """The tenant's `customizations["proctoring"]` block (empty when unset)."""
    tenant = session.get(Tenant, tenant_id)
    block = (tenant.customizations or {}).get("proctoring") if tenant else None
    return block if isinstance(block, dict) else {}


def tenant_policy(session: Session, tenant_id: UUID) -> ProctoringPolicy:
    """The tenant's policy over the defaults; an invalid override falls back to the defaults."""
    try:
        return ProctoringPolicy.model_validate(tenant_settings(session, tenant_id))
    except ValidationError as error:
        log.warning("invalid_proctoring_policy", tenant_id=str(tenant_id), error=str(error).splitlines()[0])
        return ProctoringPolicy()


def extractor_for(policy: ProctoringPolicy) -> SignalExtractor:
    """This thread's detectors for the policy's camera thresholds (MediaPipe graphs are not shared)."""
    cache: dict[tuple[float, float], SignalExtractor] = _extractors.__dict__.setdefault("by_key", {})
    key = (policy.blocked_max_std, policy.blocked_max_mean)
    if key not in cache:
        cache[key] = SignalExtractor(policy, LIVE_DETECTORS)
    return cache[key]


def may_raise_event(signals: FrameSignals, policy: ProctoringPolicy) -> bool:
    """Whether the frame could become evidence: blocked, not exactly one face, an identity check that
    did not match, head or eyes turned or the pose unknown (a looking-away candidate)."""
    if signals.blocked.blocked or signals.face_count != 1:
        return True
    if signals.identity_distance is not None and signals.identity_distance > policy.identity_max_distance:
        return True
    pose = signals.pose
    if pose is None:
        return True
    limits = [(pose.yaw, policy.yaw_enter_deg), (pose.pitch, policy.pitch_enter_deg),
              (eyes_off(pose.yaw, pose.gaze_yaw or 0.0), policy.gaze_yaw_enter_deg),
              (eyes_off(pose.pitch, pose.gaze_pitch or 0.0), policy.gaze_pitch_enter_deg)]
    return any(abs(angle) > enter - policy.pose_exit_margin_deg for angle, enter in limits)


def signal_row(session_id: UUID, signals: FrameSignals, frame_key: str | None) -> FrameSignal:
    """The database row of one frame's signals."""
    pose = signals.pose
    return FrameSignal(
        session_id=session_id, t=signals.t, face_count=signals.face_count,
        second_face_score=signals.face_scores[1] if len(signals.face_scores) > 1 else None,
        yaw=pose.yaw if pose else None, pitch=pose.pitch if pose else None, roll=pose.roll if pose else None,
        gaze_yaw=pose.gaze_yaw if pose else None, gaze_pitch=pose.gaze_pitch if pose else None,
        blocked=signals.blocked.blocked, blocked_strength=signals.blocked.strength,
        no_face_confirmed=signals.no_face_confirmed, identity_distance=signals.identity_distance,
        frame_key=frame_key,
    )


def _signals(row: FrameSignal) -> FrameSignals:
    scores: tuple[float, ...] = (1.0,) * min(row.face_count, 1)
    if row.face_count > 1:
        scores = (1.0, row.second_face_score or 0.0)
    pose = None if row.yaw is None else HeadPose(row.yaw, row.pitch or 0.0, row.roll or 0.0,
                                                 row.gaze_yaw, row.gaze_pitch)
    blocked = BlockedReading(row.blocked, 0.0, 0.0, row.blocked_strength)
    return FrameSignals(row.t, row.face_count, scores, pose, blocked, row.no_face_confirmed,
                        row.identity_distance)


def segment(
    signals: Iterable[FrameSignals], policy: ProctoringPolicy, duration_s: float
) -> list[ProctoringEvent]:
    """Video events from signals in time order, without evidence images (chosen by `evidence_s`)."""
    evaluator, segmenter = ConditionEvaluator(policy), Segmenter(policy)
    for frame in signals:
        segmenter.feed(frame.t, evaluator.evaluate(frame), _PLACEHOLDER)
    return [event.model_copy(update={"evidence_jpeg": None}) for event in segmenter.finish(duration_s)]


def resegment(
    rows: Sequence[FrameSignal], policy: ProctoringPolicy, duration_s: float
) -> list[ProctoringEvent]:
    """Video events from stored signals in time order."""
    return segment((_signals(row) for row in rows), policy, duration_s)
