"""Tenant proctoring policy and deployment detector settings.

Operator guide
==============

Two models configure the vision core:

``DetectorSettings`` (one per deployment, from ``COGNIFY_PROCTORING_<FIELD>`` environment variables)
    ``face_model``: ``"short_range"`` (MediaPipe ``model_selection=0``, faces within ~2 m,
    the webcam case and the default) or ``"full_range"`` (``model_selection=1``, small or
    distant faces, about 2.5x slower). ``min_face_confidence`` (0.5) is the MediaPipe score a
    detection needs. ``haar_confirm`` (on) runs OpenCV's Haar cascade on frames where
    MediaPipe sees no face, or one face FaceMesh places no landmarks on; if Haar finds one
    the frame counts as "face present", with the head pose FaceMesh reads on Haar's box (a
    turned head MediaPipe loses can so still be looking away), so ``no_face`` needs both
    detectors to agree. Haar also searches past the frame's sides: a face the edge cuts
    counts when FaceMesh confirms it. A lone MediaPipe face that neither FaceMesh nor Haar
    confirms (e.g. a round object scoring near ``min_face_confidence``) is an unconfirmed
    ``no_face``. A face whose pose cannot be read is a low-confidence looking-away candidate.
    ``mesh_tracking`` (on) lets FaceMesh track landmarks between consecutive frames instead
    of re-detecting each time; on a recording it starts afresh every ``tracking_segment_s``
    (60) seconds of video, so ``analysis_threads`` can split one upload at those points into time
    ranges analysed side by side with the very events of one pass (``proctoring.recorded``), by
    default one range per core the process may run on.

    ``gaze`` (off) runs FaceMesh with its refined iris landmarks (about 2 ms more per frame) and
    reads the eyes' direction relative to the head (``proctoring.detectors.gaze``). It is off by
    default because the refined mesh is another model whose head turns differ from the plain one's
    per face, not by a constant: over 424 frames of the proctoring eval its yaw is the plain yaw
    -0.8 degrees on average with a spread (sd) of 5.0, and every landmark moves by about 2 % of the
    face's width, so no remapping of landmarks or angles puts it on the scale the thresholds were
    set on. Some faces at rest read 6 degrees further turned (on the test photo 13.7 instead of
    9.7), and in the eval such faces near the 30 degree threshold become false looking_away events
    (README, "Evals"). Recalibrating needs faces with measured head poses, which this repository
    does not have. Turn it on with ``COGNIFY_PROCTORING_GAZE=true``.

    ``onnx_model_path`` plugs a model into the ONNX slot (``proctoring.detectors.onnx_slot``),
    e.g. a phone/person detector or a face-embedding model for identity checks against the
    enrolment photo. Export the model to ONNX (opset 13 or later) with one image input, in
    ``NCHW`` (``[1, 3, H, W]``) or ``NHWC`` (``[1, H, W, 3]``) layout; float inputs receive
    RGB scaled to 0..1, uint8 inputs receive raw RGB; dynamic height and width fall back to
    ``onnx_input_size``. The slot returns every raw output and a score: the maximum of output
    number ``onnx_score_output``. It runs on CPU with ``onnx_threads`` intra-op threads. Set
    the path, then build it with ``OnnxModelSlot.from_settings(settings)``.

``ProctoringPolicy`` (one per tenant), defaults in brackets
    Smoothing: an event must last ``min_event_s`` [2 s] (a blink, a dropped frame or a glance
    is shorter), and ends only after its condition has been absent for more than
    ``max_gap_s`` [1 s], so one missed frame does not split it.
    Looking away: starts when ``|yaw| > yaw_enter_deg`` [30] or ``|pitch| > pitch_enter_deg``
    [25] and holds until both fall below the threshold minus ``pose_exit_margin_deg`` [5]
    (angle hysteresis). With a frontal head, the eyes count too (FaceMesh's iris landmarks, relative
    to the head): ``|gaze_yaw| > gaze_yaw_enter_deg`` [20] or ``|gaze_pitch| > gaze_pitch_enter_deg``
    [25], with the same exit margin and smoothing (vertical gaze is read poorly: the lids hide the iris).
    Camera blocked: a frame whose grey levels have a standard deviation below
    ``blocked_max_std`` [10] (a covered lens is near-uniform) or a mean below
    ``blocked_max_mean`` [20] (black) is blocked; blocked frames never count as ``no_face``.
    Speech (recordings with an audio track): 32 ms windows where Silero VAD's probability is at
    least ``speech_threshold`` [0.5], pauses up to ``speech_max_gap_s`` [1 s] bridged, become a
    ``speech_detected`` event from ``speech_min_s`` [3 s]; its weight is low by default (a
    student may read the questions aloud).
    Identity (a student with an enrolment photo): the main face is compared with the photo on the
    first one-face frame of every ``identity_interval_s`` (deployment, 10 s); from
    ``identity_min_checks`` [2] checks in a row farther than ``identity_max_distance`` [0.6, dlib's
    match threshold] an ``identity_mismatch`` event holds until a check matches or the face leaves.
    Score: ``integrity_score = 100 - sum(confidence * (per_event + time_pct *
    100 * event_s / session_s))`` over all events, clamped to 0..100, with ``weights`` per
    event type (see ``DEFAULT_WEIGHTS``: e.g. each ``multiple_faces`` event costs 10 points
    plus 3 points per percent of the session it covers; each ``paste`` costs 5).
    Verdict: ``flagged`` when the score is below ``flag_below`` [70] or any event's type is in
    ``always_flag`` [``multiple_faces``].
"""

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from proctoring.events import EventType

# Frames analysed per second of video unless a session or the CLI says otherwise.
DEFAULT_SAMPLE_FPS = 2.0
# Eyes relative to the head (proctoring.detectors.gaze); see the operator guide above.
GAZE_YAW_ENTER_DEG = 20.0
GAZE_PITCH_ENTER_DEG = 25.0


class EventWeight(BaseModel):
    """Score cost of one event type: fixed points per event plus points per percent of time."""

    model_config = ConfigDict(frozen=True)

    per_event: float = Field(default=0.0, ge=0)
    time_pct: float = Field(default=0.0, ge=0)


DEFAULT_WEIGHTS: dict[EventType, EventWeight] = {
    EventType.NO_FACE: EventWeight(per_event=3, time_pct=1.5),
    EventType.MULTIPLE_FACES: EventWeight(per_event=10, time_pct=3),
    EventType.LOOKING_AWAY: EventWeight(per_event=2, time_pct=1),
    EventType.CAMERA_BLOCKED: EventWeight(per_event=5, time_pct=1.5),
    EventType.TAB_HIDDEN: EventWeight(per_event=4, time_pct=1.5),
    EventType.WINDOW_BLUR: EventWeight(per_event=2, time_pct=0.5),
    EventType.COPY: EventWeight(per_event=2),
    EventType.PASTE: EventWeight(per_event=5),
    EventType.FULLSCREEN_EXIT: EventWeight(per_event=3, time_pct=0.5),
    EventType.MULTIPLE_DISPLAYS: EventWeight(per_event=10),
    # A student may read the questions aloud: low by default, the tenant decides.
    EventType.SPEECH_DETECTED: EventWeight(per_event=1, time_pct=0.5),
    EventType.IDENTITY_MISMATCH: EventWeight(per_event=15, time_pct=3),
}


class ProctoringPolicy(BaseModel):
    """Per-tenant thresholds, smoothing, score weights and flagging rules."""

    model_config = ConfigDict(frozen=True)

    min_event_s: float = Field(default=2.0, ge=0)
    max_gap_s: float = Field(default=1.0, ge=0)
    yaw_enter_deg: float = Field(default=30.0, gt=0, le=90)
    pitch_enter_deg: float = Field(default=25.0, gt=0, le=90)
    gaze_yaw_enter_deg: float = Field(default=GAZE_YAW_ENTER_DEG, gt=0, le=90)
    gaze_pitch_enter_deg: float = Field(default=GAZE_PITCH_ENTER_DEG, gt=0, le=90)
    pose_exit_margin_deg: float = Field(default=5.0, ge=0)
    blocked_max_std: float = Field(default=10.0, ge=0)
    blocked_max_mean: float = Field(default=20.0, ge=0)
    speech_threshold: float = Field(default=0.5, gt=0, lt=1)
    speech_min_s: float = Field(default=3.0, ge=0)
    speech_max_gap_s: float = Field(default=1.0, ge=0)
    identity_max_distance: float = Field(default=0.6, gt=0, lt=2)
    identity_min_checks: int = Field(default=2, ge=1, le=100)
    weights: dict[EventType, EventWeight] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    flag_below: float = Field(default=70.0, ge=0, le=100)
    always_flag: frozenset[EventType] = frozenset({EventType.MULTIPLE_FACES})

    def weight(self, event_type: EventType) -> EventWeight:
        """Weight for a type; a type missing from ``weights`` costs nothing."""
        return self.weights.get(event_type, EventWeight())


class DetectorSettings(BaseSettings):
    """Which detectors run and how; set once per deployment, from ``COGNIFY_PROCTORING_<FIELD>``
    environment variables (``COGNIFY_PROCTORING_GAZE=true``); arguments override them."""

    model_config = SettingsConfigDict(frozen=True, env_prefix="COGNIFY_PROCTORING_", extra="ignore")

    face_model: Literal["short_range", "full_range"] = "short_range"
    min_face_confidence: float = Field(default=0.5, gt=0, lt=1)
    haar_confirm: bool = True
    mesh_tracking: bool = True
    gaze: bool = False
    onnx_model_path: Path | None = None
    onnx_score_output: int = Field(default=0, ge=0)
    onnx_input_size: int = Field(default=224, gt=0)
    onnx_threads: int = Field(default=1, ge=1)
    analysis_threads: int = Field(default_factory=lambda: len(os.sched_getaffinity(0)), ge=1, le=64)
    tracking_segment_s: float = Field(default=60.0, gt=0)
    identity_interval_s: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _identity_slots_fit_tracking_segments(self) -> "DetectorSettings":
        ratio = self.tracking_segment_s / self.identity_interval_s
        if abs(ratio - round(ratio)) > 1e-6:
            raise ValueError("tracking_segment_s must be a whole multiple of identity_interval_s")
        return self
