"""Per-frame signals from the detectors, and the conditions they raise."""

import math
from dataclasses import dataclass

from proctoring.detectors import (
    BlockedReading,
    CameraBlockedDetector,
    FaceBox,
    FaceMeshPoseEstimator,
    HaarFaceDetector,
    HeadPose,
    MediaPipeFaceDetector,
)
from proctoring.detectors.face_identity import Embedding, FaceEmbedder, distance
from proctoring.events import EventType
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.sources import Image

UNCONFIRMED_NO_FACE_STRENGTH = 0.7
# A face whose head pose cannot be measured counts as if turned just past the enter angle (see
# ConditionEvaluator): it can raise a low-confidence looking_away, never a confident one.
UNKNOWN_POSE_STRENGTH = 0.5


@dataclass(frozen=True, slots=True)
class FrameSignals:
    """What the detectors saw in one sampled frame; ``pose`` is None when there is no face or when the
    mesh could not place landmarks on the main one."""

    t: float
    face_count: int
    face_scores: tuple[float, ...]
    pose: HeadPose | None
    blocked: BlockedReading
    no_face_confirmed: bool
    # Distance of the main face to the enrolment photo's, on the frames where identity was checked.
    identity_distance: float | None = None


class SignalExtractor:
    """Runs the configured detectors on a frame; the MediaPipe graphs are built once."""

    def __init__(
        self, policy: ProctoringPolicy, settings: DetectorSettings, enrolment: Embedding | None = None
    ) -> None:
        # Identity is checked on the first one-face frame of every `identity_interval_s` of video.
        self._enrolment, self._interval = enrolment, settings.identity_interval_s
        self._embedder: FaceEmbedder | None = None
        self._checked_slot: int | None = None
        self._faces = MediaPipeFaceDetector(settings.face_model, settings.min_face_confidence)
        self._haar = HaarFaceDetector() if settings.haar_confirm else None
        self._mesh = FaceMeshPoseEstimator(tracking=settings.mesh_tracking, irises=settings.gaze)
        # Haar boxes differ in size and place from the tracked MediaPipe box, so their pose comes from
        # a mesh that re-detects in every crop instead of following the tracked landmarks.
        self._box_mesh = self._mesh
        if settings.mesh_tracking:
            self._box_mesh = FaceMeshPoseEstimator(tracking=False, irises=settings.gaze)
        self._blocked = CameraBlockedDetector(policy.blocked_max_std, policy.blocked_max_mean)
        self._closed = False

    def extract(self, image: Image, t: float, compare_with: Embedding | None = None) -> FrameSignals:
        """Signals for one BGR frame; face detectors and mesh are skipped on a blocked lens.

        ``compare_with`` checks identity on this frame (if it shows one face) whatever the interval:
        live frames, where the session's stored signals say when the last check was."""
        blocked = self._blocked.detect(image)
        if blocked.blocked:
            return FrameSignals(t, 0, (), None, blocked, no_face_confirmed=False)
        faces = self._faces.detect(image)
        if faces:
            pose = self._mesh.estimate(image, faces[0])
            if pose is not None or len(faces) > 1 or self._haar is None:
                scores = tuple(face.score for face in faces)
                identity = self._identity(image, faces[0], t, compare_with) if len(faces) == 1 else None
                return FrameSignals(t, len(faces), scores, pose, blocked, False, identity)
        if self._haar is None:
            return FrameSignals(t, 0, (), None, blocked, no_face_confirmed=False)
        return self._haar_signals(self._haar, image, t, blocked, mediapipe_saw_face=bool(faces))

    def _identity(
        self, image: Image, face: FaceBox, t: float, compare_with: Embedding | None
    ) -> float | None:
        """Distance to the enrolment photo when this frame is the interval's check, else None."""
        reference = compare_with
        if reference is None and self._enrolment is not None:
            slot = math.floor(t / self._interval + 1e-9)
            if slot != self._checked_slot:
                self._checked_slot, reference = slot, self._enrolment
        if reference is None:
            return None
        if self._embedder is None:
            self._embedder = FaceEmbedder()
        return round(distance(self._embedder.embed(image, face), reference), 4)

    def _haar_signals(
        self,
        haar: HaarFaceDetector,
        image: Image,
        t: float,
        blocked: BlockedReading,
        mediapipe_saw_face: bool,
    ) -> FrameSignals:
        """Haar's opinion when MediaPipe saw no face, or one lone face the mesh found no landmarks on.

        A face Haar finds inside the frame counts (MediaPipe often loses a turned or tilted head that
        the cascade still sees), with the pose the mesh reads on it, or none. A box the frame's edge
        cuts (Haar searches past the edge) counts only when the mesh also places landmarks on it.
        A lone MediaPipe face that neither the mesh nor Haar confirms (a round object scoring near
        the threshold) is no face, but not a confirmed absence.
        """
        height, width = image.shape[:2]
        boxes = sorted(haar.detect(image), key=lambda box: not box.inside(width, height))
        for box in boxes:
            pose = self._box_mesh.estimate(image, box)
            if pose is not None or box.inside(width, height):
                return FrameSignals(t, 1, (1.0,), pose, blocked, no_face_confirmed=False)
        return FrameSignals(t, 0, (), None, blocked, no_face_confirmed=not mediapipe_saw_face)

    def restart_tracking(self) -> None:
        """Start landmark tracking afresh, as a new extractor would."""
        self._mesh.restart_tracking()

    def close(self) -> None:
        """Release every detector once."""
        if self._closed:
            return
        self._closed = True
        self._faces.close()
        self._mesh.close()
        if self._box_mesh is not self._mesh:
            self._box_mesh.close()
        self._blocked.close()
        if self._haar is not None:
            self._haar.close()


def eyes_off(head_deg: float, eyes_deg: float) -> float:
    """How far the eyes look past where the head points: all of their angle when they turn the same way
    (or the head is frontal); when they turn back against a turned head (reading the screen from the
    side), only what is left after cancelling the head's angle."""
    return eyes_deg + head_deg if head_deg * eyes_deg < 0 else eyes_deg


class ConditionEvaluator:
    """Turns signals into per-type condition strengths, with angle hysteresis for pose."""

    def __init__(self, policy: ProctoringPolicy) -> None:
        self._policy = policy
        self._looking_away = False
        self._mismatches = 0  # consecutive identity checks that did not match, while one face stays
        self._mismatch_strength = 0.0

    def evaluate(self, signals: FrameSignals) -> dict[EventType, float]:
        """Strength in (0, 1] of every condition active in this frame."""
        if signals.blocked.blocked:
            self._looking_away, self._mismatches = False, 0
            return {EventType.CAMERA_BLOCKED: signals.blocked.strength}
        active: dict[EventType, float] = {}
        if signals.face_count == 0:
            confirmed = signals.no_face_confirmed
            active[EventType.NO_FACE] = 1.0 if confirmed else UNCONFIRMED_NO_FACE_STRENGTH
        if signals.face_count >= 2:
            active[EventType.MULTIPLE_FACES] = signals.face_scores[1]
        away = self._looking_away_strength(signals)
        if away is not None:
            active[EventType.LOOKING_AWAY] = away
        mismatch = self._identity_mismatch_strength(signals)
        if mismatch is not None:
            active[EventType.IDENTITY_MISMATCH] = mismatch
        return active

    def _identity_mismatch_strength(self, signals: FrameSignals) -> float | None:
        """Held from the `identity_min_checks`-th consecutive check past `identity_max_distance` for as
        long as one face stays in view and no check matches; the strength grows with the distance."""
        if signals.face_count != 1:
            self._mismatches = 0
            return None
        distance_now = signals.identity_distance
        if distance_now is not None:
            threshold = self._policy.identity_max_distance
            self._mismatches = self._mismatches + 1 if distance_now > threshold else 0
            self._mismatch_strength = min(1.0, 0.5 + (distance_now - threshold) * 2.5)
        if self._mismatches < self._policy.identity_min_checks:
            return None
        return round(self._mismatch_strength, 3)

    def _looking_away_strength(self, signals: FrameSignals) -> float | None:
        """Strength while the head is turned, or the eyes relative to it, past the enter angle, until
        both are below their exit angle (eyes off the screen in a frontal head count like a turn).

        A face without a measurable pose is a looking-away candidate at UNKNOWN_POSE_STRENGTH: the mesh
        fails mostly on a head turned or tilted too far for it (in the eval, on real faces only during
        turns), and clearing the condition there would hide exactly those turns; a face hidden behind
        a hand or a phone is worth a look too. The angle hysteresis keeps its state across such frames.
        """
        if signals.face_count == 0:
            self._looking_away = False
            return None
        pose = signals.pose
        if pose is None:
            return UNKNOWN_POSE_STRENGTH
        policy = self._policy
        margin = policy.pose_exit_margin_deg
        limits = [(pose.yaw, policy.yaw_enter_deg), (pose.pitch, policy.pitch_enter_deg)]
        if pose.gaze_yaw is not None and pose.gaze_pitch is not None:
            limits += [(eyes_off(pose.yaw, pose.gaze_yaw), policy.gaze_yaw_enter_deg),
                       (eyes_off(pose.pitch, pose.gaze_pitch), policy.gaze_pitch_enter_deg)]
        ratio = max(abs(angle) / enter for angle, enter in limits)
        exit_ratio = max(abs(angle) / max(enter - margin, 1e-6) for angle, enter in limits)
        self._looking_away = ratio > 1.0 or (self._looking_away and exit_ratio > 1.0)
        if not self._looking_away:
            return None
        return min(1.0, max(0.05, ratio - 0.5))
