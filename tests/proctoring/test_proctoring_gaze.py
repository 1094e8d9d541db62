"""Gaze from FaceMesh's iris landmarks: real photos with the irises moved inside the eyes."""

from collections.abc import Iterator

import numpy as np
import pytest
from proctoring_media import ASTRONAUT_EYES, HOPPER_EYES, Scenes, VideoMaker, look
from pydantic import ValidationError

from proctoring.detectors import BlockedReading, FaceMeshPoseEstimator, HeadPose, MediaPipeFaceDetector
from proctoring.detectors.gaze import gaze_angles
from proctoring.events import EventType
from proctoring.pipeline import analyze_video
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.signals import ConditionEvaluator, FrameSignals, eyes_off

SHIFTS = (-8, -4, 0, 4, 8)
GAZE = DetectorSettings(gaze=True)


@pytest.fixture(scope="module")
def mesh() -> Iterator[FaceMeshPoseEstimator]:
    estimator = FaceMeshPoseEstimator(tracking=False, irises=True)
    yield estimator
    estimator.close()


@pytest.fixture(scope="module")
def short_range() -> Iterator[MediaPipeFaceDetector]:
    detector = MediaPipeFaceDetector("short_range", 0.5)
    yield detector
    detector.close()


def _gaze(image: np.ndarray, mesh: FaceMeshPoseEstimator, faces: MediaPipeFaceDetector) -> HeadPose:
    pose = mesh.estimate(image, faces.detect(image)[0])
    assert pose is not None and pose.gaze_yaw is not None and pose.gaze_pitch is not None
    return pose


@pytest.mark.parametrize(("scene", "eyes", "far"), [("astronaut", ASTRONAUT_EYES, 25.0),
                                                     ("frontal", HOPPER_EYES, 10.0)])
def test_gaze_follows_the_irises(
    scenes: Scenes, short_range: MediaPipeFaceDetector, mesh: FaceMeshPoseEstimator,
    scene: str, eyes: tuple, far: float,
) -> None:
    readings = [_gaze(look(getattr(scenes, scene), eyes, dx), mesh, short_range) for dx in SHIFTS]
    yaws = [pose.gaze_yaw for pose in readings]
    assert yaws == sorted(yaws) and len(set(yaws)) == len(yaws), yaws  # the eyes move right, so does the gaze
    assert abs(yaws[2]) < 5  # looking into the camera
    assert yaws[0] < -far and yaws[-1] > far
    # the head does not move with the eyes, and the vertical reading stays near rest
    assert max(pose.yaw for pose in readings) - min(pose.yaw for pose in readings) < 8
    assert all(abs(pose.gaze_pitch) < 8 for pose in readings)


def test_tiny_eyes_give_no_gaze() -> None:
    points = {i: np.array([100.0, 100.0]) for i in (468, 33, 133, 473, 362, 263)}
    points[133] = np.array([103.0, 100.0])
    assert gaze_angles(points) is None


def test_eyes_turned_back_to_the_screen_cancel_the_head_turn() -> None:
    assert eyes_off(0.0, 25.0) == 25.0 and eyes_off(10.0, 25.0) == 25.0
    assert eyes_off(20.0, -20.0) == 0.0 and eyes_off(-15.0, 30.0) == 15.0
    evaluator = ConditionEvaluator(ProctoringPolicy())
    lens = BlockedReading(False, 100.0, 50.0, 0.0)

    def away(pose: HeadPose) -> float | None:
        return evaluator.evaluate(FrameSignals(0.0, 1, (1.0,), pose, lens, False)).get(EventType.LOOKING_AWAY)

    assert away(HeadPose(2, 0, 0, gaze_yaw=10, gaze_pitch=0)) is None
    assert away(HeadPose(2, 0, 0, gaze_yaw=28, gaze_pitch=0)) is not None
    assert away(HeadPose(2, 0, 0, gaze_yaw=17, gaze_pitch=0)) is not None  # hysteresis: above 20 - 5
    assert away(HeadPose(2, 0, 0, gaze_yaw=12, gaze_pitch=0)) is None
    assert away(HeadPose(22, 0, 0, gaze_yaw=-20, gaze_pitch=0)) is None  # reading the screen from the side


def test_eyes_held_off_screen_are_looking_away(
    make_video: VideoMaker, scenes: Scenes, monkeypatch: pytest.MonkeyPatch
) -> None:
    aside = look(scenes.astronaut, ASTRONAUT_EYES, 8)
    video = make_video("gaze", [(4, scenes.astronaut), (5, aside), (4, scenes.astronaut), (1, aside),
                                (4, scenes.astronaut)])
    result = analyze_video(video, settings=GAZE)
    (event,) = result.events  # the one-second glance is shorter than min_event_s
    assert event.type == EventType.LOOKING_AWAY
    assert (event.start_s, event.end_s) == pytest.approx((4.0, 9.0), abs=0.6)
    eyes_ignored = ProctoringPolicy(gaze_yaw_enter_deg=90, gaze_pitch_enter_deg=90)
    ignoring_eyes = analyze_video(video, policy=eyes_ignored, settings=GAZE)
    assert analyze_video(video).events == []  # the deployment default reads no gaze
    assert ignoring_eyes.events == []
    monkeypatch.setenv("COGNIFY_PROCTORING_GAZE", "true")  # a deployment turns it on
    assert [e.type for e in analyze_video(video).events] == [EventType.LOOKING_AWAY]


def test_a_bad_detector_setting_in_the_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGNIFY_PROCTORING_GAZE", "sometimes")
    with pytest.raises(ValidationError, match="gaze"):
        DetectorSettings()
    monkeypatch.setenv("COGNIFY_PROCTORING_GAZE", "false")
    monkeypatch.setenv("COGNIFY_PROCTORING_ANALYSIS_THREADS", "0")
    with pytest.raises(ValidationError, match="analysis_threads"):
        DetectorSettings()
    assert DetectorSettings(analysis_threads=3).analysis_threads == 3  # arguments override the environment
