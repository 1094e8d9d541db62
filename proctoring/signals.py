"""Per-frame signals from the detectors, and the conditions they raise."""

from dataclasses import dataclass

from proctoring.detectors import (
    BlockedReading,
    CameraBlockedDetector,
    FaceMeshPoseEstimator,
    HaarFaceDetector,
    HeadPose,
    MediaPipeFaceDetector,
)
from proctoring.events import EventType
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.sources import Image

UNCONFIRMED_NO_FACE_STRENGTH = 0.7


@dataclass(frozen=True, slots=True)
class FrameSignals:
    """What the detectors saw in one sampled frame."""

    t: float
    face_count: int
    face_scores: tuple[float, ...]
    pose: HeadPose | None
    blocked: BlockedReading
    no_face_confirmed: bool


class SignalExtractor:
    """Runs the configured detectors on a frame; the MediaPipe graphs are built once."""

    def __init__(self, policy: ProctoringPolicy, settings: DetectorSettings) -> None:
        self._faces = MediaPipeFaceDetector(settings.face_model, settings.min_face_confidence)
        self._haar = HaarFaceDetector() if settings.haar_confirm else None
        self._mesh = FaceMeshPoseEstimator(tracking=settings.mesh_tracking)
        self._blocked = CameraBlockedDetector(policy.blocked_max_std, policy.blocked_max_mean)
        self._closed = False

    def extract(self, image: Image, t: float) -> FrameSignals:
        """Signals for one BGR frame; face detectors and mesh are skipped on a blocked lens."""
        blocked = self._blocked.detect(image)
        if blocked.blocked:
            return FrameSignals(t, 0, (), None, blocked, no_face_confirmed=False)
        faces = self._faces.detect(image)
        if faces:
            pose = self._mesh.estimate(image, faces[0])
            scores = tuple(face.score for face in faces)
            return FrameSignals(t, len(faces), scores, pose, blocked, no_face_confirmed=False)
        if self._haar is None:
            return FrameSignals(t, 0, (), None, blocked, no_face_confirmed=False)
        if self._haar.detect(image):
            return FrameSignals(t, 1, (1.0,), None, blocked, no_face_confirmed=False)
        return FrameSignals(t, 0, (), None, blocked, no_face_confirmed=True)

    def close(self) -> None:
        """Release every detector once."""
        if self._closed:
            return
        self._closed = True
        self._faces.close()
        self._mesh.close()
        self._blocked.close()
        if self._haar is not None:
            self._haar.close()


class ConditionEvaluator:
    """Turns signals into per-type condition strengths, with angle hysteresis for pose."""

    def __init__(self, policy: ProctoringPolicy) -> None:
        self._policy = policy
        self._looking_away = False

    def evaluate(self, signals: FrameSignals) -> dict[EventType, float]:
        """Strength in (0, 1] of every condition active in this frame."""
        if signals.blocked.blocked:
            self._looking_away = False
            return {EventType.CAMERA_BLOCKED: signals.blocked.strength}
        active: dict[EventType, float] = {}
        if signals.face_count == 0:
            confirmed = signals.no_face_confirmed
            active[EventType.NO_FACE] = 1.0 if confirmed else UNCONFIRMED_NO_FACE_STRENGTH
        if signals.face_count >= 2:
            active[EventType.MULTIPLE_FACES] = signals.face_scores[1]
        away = self._looking_away_strength(signals.pose)
        if away is not None:
            active[EventType.LOOKING_AWAY] = away
        return active

    def _looking_away_strength(self, pose: HeadPose | None) -> float | None:
        """Strength while the head is turned past the enter angle, until below the exit angle."""
        if pose is None:
            self._looking_away = False
            return None
        policy = self._policy
        ratio = max(abs(pose.yaw) / policy.yaw_enter_deg, abs(pose.pitch) / policy.pitch_enter_deg)
        exit_ratio = max(
            abs(pose.yaw) / max(policy.yaw_enter_deg - policy.pose_exit_margin_deg, 1e-6),
            abs(pose.pitch) / max(policy.pitch_enter_deg - policy.pose_exit_margin_deg, 1e-6),
        )
        self._looking_away = ratio > 1.0 or (self._looking_away and exit_ratio > 1.0)
        if not self._looking_away:
            return None
        return min(1.0, max(0.05, ratio - 0.5))
