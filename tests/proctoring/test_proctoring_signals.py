"""Per-frame signals on the hard cases: a far turn MediaPipe loses, a face leaning out of frame, a
round object scoring as a face, a face without a pose, and the Haar cascade's edge search and reuse."""

from collections.abc import Iterator
from uuid import uuid4

import numpy as np
import pytest
from proctoring_media import Image, Scenes

from proctoring.analysis import may_raise_event, resegment, signal_row
from proctoring.detectors import BlockedReading, HaarFaceDetector, HeadPose, MediaPipeFaceDetector
from proctoring.detectors.head_pose import solve_head_pose
from proctoring.events import EventType
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.signals import UNKNOWN_POSE_STRENGTH, ConditionEvaluator, FrameSignals, SignalExtractor

OPEN_LENS = BlockedReading(blocked=False, mean=110.0, std=50.0, strength=0.0)
# FaceMesh's pose landmarks (nose tip, chin, eye and mouth corners) on a far-turned face of the eval
# (looking-down-and-far, t = 27 s); the iterative solver alone settles on yaw 0, pitch 11 there, with a
# reprojection error of 6900 px.
FAR_TURN_LANDMARKS = np.array(
    [[305.6, 225.5], [290.0, 286.1], [252.7, 188.5], [315.0, 189.0], [279.6, 253.2], [306.7, 250.0]]
)


@pytest.fixture(scope="module")
def mediapipe() -> Iterator[MediaPipeFaceDetector]:
    detector = MediaPipeFaceDetector()
    yield detector
    detector.close()


@pytest.fixture(scope="module", params=[False, True], ids=["static_mesh", "tracking_mesh"])
def extractor(request: pytest.FixtureRequest) -> Iterator[SignalExtractor]:
    """The live path's detectors (no landmark tracking) and the worker's (tracking)."""
    extractor = SignalExtractor(ProctoringPolicy(), DetectorSettings(mesh_tracking=request.param))
    yield extractor
    extractor.close()


def _noisy(image: Image, seed: int) -> Image:
    noise = np.random.default_rng(seed).normal(0, 2.5, image.shape)
    return (image + noise).clip(0, 255).astype(np.uint8)


def test_haar_searches_past_the_side_of_the_frame(scenes: Scenes, mediapipe: MediaPipeFaceDetector) -> None:
    assert mediapipe.detect(scenes.leaning_out) == []
    (box,) = HaarFaceDetector().detect(scenes.leaning_out)
    assert box.x < 640 < box.x + box.width and not box.inside(640, 480)
    assert 640 - box.x > 0.5 * box.width  # most of the face is still in view
    assert HaarFaceDetector(edge_pad=0.0).detect(scenes.leaning_out) == []
    assert HaarFaceDetector().detect(scenes.empty) == []


def test_haar_searches_an_unchanged_frame_once(scenes: Scenes) -> None:
    haar = HaarFaceDetector()
    assert all(haar.detect(_noisy(scenes.empty, seed)) == [] for seed in range(4))
    assert haar.cascade_runs == 1
    assert len(haar.detect(scenes.frontal)) == 1 and haar.cascade_runs == 2
    assert haar.detect(_noisy(scenes.empty, 9)) == [] and haar.cascade_runs == 3
    assert HaarFaceDetector(reuse_max_diff=-1).detect(scenes.frontal) == haar.detect(scenes.frontal)


def test_head_pose_is_the_global_fit_for_a_far_turn() -> None:
    pose = solve_head_pose(FAR_TURN_LANDMARKS, 640, 480)
    assert pose is not None
    assert -60 < pose.yaw < -40 and abs(pose.pitch) < 20


def test_far_turn_mediapipe_loses_is_looking_away(
    scenes: Scenes, mediapipe: MediaPipeFaceDetector, extractor: SignalExtractor
) -> None:
    assert mediapipe.detect(scenes.astronaut_turned_far) == []
    facing = extractor.extract(scenes.astronaut, 0.0)
    turned = extractor.extract(scenes.astronaut_turned_far, 0.5)
    assert facing.pose is not None and abs(facing.pose.yaw) < 15
    assert turned.face_count == 1 and turned.pose is not None and turned.pose.yaw < -30
    evaluator = ConditionEvaluator(ProctoringPolicy())
    assert evaluator.evaluate(facing) == {}
    assert evaluator.evaluate(turned)[EventType.LOOKING_AWAY] > UNKNOWN_POSE_STRENGTH


def test_face_leaning_out_of_frame_is_present_and_facing(scenes: Scenes, extractor: SignalExtractor) -> None:
    signals = extractor.extract(scenes.leaning_out, 0.0)
    assert signals.face_count == 1 and signals.pose is not None
    assert abs(signals.pose.yaw) < 20
    assert ConditionEvaluator(ProctoringPolicy()).evaluate(signals) == {}
    assert extractor.extract(scenes.empty, 0.5).no_face_confirmed  # a real absence is still one


def test_weak_face_nothing_confirms_is_an_unconfirmed_no_face(
    scenes: Scenes, mediapipe: MediaPipeFaceDetector, extractor: SignalExtractor
) -> None:
    (cup,) = mediapipe.detect(scenes.kitchen)
    assert 0.5 <= cup.score < 0.6
    signals = extractor.extract(scenes.kitchen, 0.0)
    assert signals.face_count == 0 and not signals.no_face_confirmed
    assert ConditionEvaluator(ProctoringPolicy()).evaluate(signals) == {EventType.NO_FACE: 0.7}


def _face(t: float, pose: HeadPose | None, faces: int = 1) -> FrameSignals:
    return FrameSignals(t, faces, (1.0,) * faces, pose, OPEN_LENS, no_face_confirmed=faces == 0)


def test_face_without_pose_is_a_low_confidence_looking_away_candidate() -> None:
    evaluator = ConditionEvaluator(ProctoringPolicy(yaw_enter_deg=30, pose_exit_margin_deg=5))
    turned, unknown, in_band = HeadPose(35, 0, 0), None, HeadPose(27, 0, 0)
    sequence = [in_band, unknown, in_band, turned, unknown, in_band]
    strengths = [evaluator.evaluate(_face(i, p)).get(EventType.LOOKING_AWAY) for i, p in enumerate(sequence)]
    # unknown frames are candidates at 0.5 and leave the hysteresis state as it was
    assert strengths[0] is None and strengths[1] == UNKNOWN_POSE_STRENGTH and strengths[2] is None
    assert strengths[3] is not None and strengths[4] == UNKNOWN_POSE_STRENGTH and strengths[5] is not None
    assert evaluator.evaluate(_face(6, None, faces=0)) == {EventType.NO_FACE: 1.0}


def test_unknown_pose_survives_the_stored_signal_rows() -> None:
    policy = ProctoringPolicy()
    frames = [_face(i / 2, HeadPose(0, 0, 0) if not 4 <= i < 16 else None) for i in range(24)]
    assert [may_raise_event(f, policy) for f in frames[3:5]] == [False, True]
    session_id = uuid4()
    rows = [signal_row(session_id, frame, None) for frame in frames]
    (event,) = resegment(rows, policy, 12.0)
    assert (event.type, event.start_s, event.end_s, event.confidence) == (
        EventType.LOOKING_AWAY,
        2.0,
        8.0,
        UNKNOWN_POSE_STRENGTH,
    )
