"""Detectors on real face photos: MediaPipe, Haar, FaceMesh head pose, camera blocked."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import cv2
import pytest
from proctoring_media import Scenes

from proctoring.detectors import (
    CameraBlockedDetector,
    FaceMeshPoseEstimator,
    HaarFaceDetector,
    HeadPose,
    MediaPipeFaceDetector,
)


@pytest.fixture(scope="module")
def short_range() -> Iterator[MediaPipeFaceDetector]:
    detector = MediaPipeFaceDetector("short_range")
    yield detector
    detector.close()


def _pose(image: cv2.typing.MatLike, detector: MediaPipeFaceDetector) -> HeadPose:
    """Pose of the main face from a fresh (non-tracking) mesh, so images do not influence each other."""
    estimator = FaceMeshPoseEstimator(tracking=False)
    try:
        faces = detector.detect(image)
        assert faces, "no face detected"
        pose = estimator.estimate(image, faces[0])
    finally:
        estimator.close()
    assert pose is not None
    return pose


@pytest.mark.parametrize("model", ["short_range", "full_range"])
def test_mediapipe_counts_faces(scenes: Scenes, model: str) -> None:
    detector = MediaPipeFaceDetector(model)  # type: ignore[arg-type]
    try:
        images = (scenes.frontal, scenes.two_faces, scenes.empty)
        one, two, none = (detector.detect(image) for image in images)
    finally:
        detector.close()
    assert len(one) == 1 and one[0].score > 0.8
    assert len(two) == 2
    assert two[0].area > two[1].area
    assert 400 < two[1].x < 620
    assert none == []


def test_mediapipe_box_is_on_the_face(scenes: Scenes, short_range: MediaPipeFaceDetector) -> None:
    (face,) = short_range.detect(scenes.frontal)
    center_x, center_y = face.x + face.width / 2, face.y + face.height / 2
    assert 200 < center_x < 280 and 170 < center_y < 270
    assert 120 < face.width < 260


def test_haar_confirms_faces_and_empty_room(scenes: Scenes) -> None:
    haar = HaarFaceDetector()
    assert len(haar.detect(scenes.frontal)) == 1
    assert len(haar.detect(scenes.two_faces)) == 2
    assert haar.detect(scenes.empty) == []
    assert haar.detect(scenes.black) == []


def test_camera_blocked_on_black_and_covered_lens(scenes: Scenes) -> None:
    detector = CameraBlockedDetector(max_std=10, max_mean=20)
    black, covered = detector.detect(scenes.black), detector.detect(scenes.covered)
    assert black.blocked and black.mean < 20 and black.strength == pytest.approx(1.0)
    assert covered.blocked and covered.mean > 80 and covered.std < 10
    for image in (scenes.frontal, scenes.empty):
        reading = detector.detect(image)
        assert not reading.blocked and reading.std > 20 and reading.strength == 0.0


def test_frontal_photo_has_near_zero_yaw(scenes: Scenes, short_range: MediaPipeFaceDetector) -> None:
    pose = _pose(scenes.frontal, short_range)
    assert abs(pose.yaw) < 12
    assert abs(pose.pitch) < 25
    assert abs(pose.roll) < 10


def test_mirrored_turned_face_has_opposite_yaw(scenes: Scenes, short_range: MediaPipeFaceDetector) -> None:
    turned = scenes.turned(0.4)
    yaw = _pose(turned, short_range).yaw
    mirrored_yaw = _pose(cv2.flip(turned, 1), short_range).yaw
    assert abs(yaw) > 20 and abs(mirrored_yaw) > 20
    assert yaw * mirrored_yaw < 0
    assert abs(yaw + mirrored_yaw) < 10


def test_more_warp_means_more_yaw(scenes: Scenes, short_range: MediaPipeFaceDetector) -> None:
    yaws = [abs(_pose(scenes.turned(amount), short_range).yaw) for amount in (0.0, 0.2, 0.4)]
    assert yaws[0] < yaws[1] < yaws[2]


def test_tracking_mesh_follows_a_sequence(scenes: Scenes, short_range: MediaPipeFaceDetector) -> None:
    estimator = FaceMeshPoseEstimator(tracking=True)
    try:
        poses = []
        for image in (scenes.frontal, scenes.frontal, scenes.turned(0.45), scenes.turned(0.45)):
            poses.append(estimator.estimate(image, short_range.detect(image)[0]))
    finally:
        estimator.close()
    assert all(pose is not None for pose in poses)
    assert abs(poses[1].yaw) < 12  # type: ignore[union-attr]
    assert abs(poses[3].yaw) > 30  # type: ignore[union-attr]


def test_min_confidence_is_applied(scenes: Scenes, short_range: MediaPipeFaceDetector) -> None:
    """MediaPipe's graph ignores min_detection_confidence (google-ai-edge/mediapipe#3896): we filter."""
    (cup,) = short_range.detect(scenes.kitchen)
    assert 0.5 <= cup.score < 0.6
    strict = MediaPipeFaceDetector(min_confidence=0.6)
    try:
        assert strict.detect(scenes.kitchen) == []
        assert len(strict.detect(scenes.frontal)) == 1
    finally:
        strict.close()


def test_mediapipe_box_of_a_face_cut_by_the_edge_reaches_past_it(
    scenes: Scenes, short_range: MediaPipeFaceDetector
) -> None:
    (face,) = short_range.detect(scenes.frontal)
    shift = face.x + round(0.3 * face.width)  # a third of the face leaves the frame on the left
    cut = scenes.background.copy()
    cut[:, : 640 - shift] = scenes.frontal[:, shift:]
    (moved,) = short_range.detect(cut)
    assert moved.x < 0 < moved.x + moved.width
    assert moved.width == pytest.approx(face.width, rel=0.25)  # the whole face, not the part in view


def _threads_started(make: Callable[[], Any], image: cv2.typing.MatLike) -> int:
    before = len(os.listdir("/proc/self/task"))
    detector = make()
    try:
        detector.detect(image)
        return len(os.listdir("/proc/self/task")) - before
    finally:
        detector.close()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="MediaPipe's default pool is one thread here")
def test_each_mediapipe_graph_runs_on_one_executor_thread(scenes: Scenes) -> None:
    """MediaPipe's default pool (a thread per core) would only wake itself on our chains of calculators."""
    assert _threads_started(MediaPipeFaceDetector, scenes.frontal) == 1
    assert _threads_started(FaceMeshPoseEstimator, scenes.frontal) == 1
    from mediapipe.python.solutions.face_detection import FaceDetection

    assert _threads_started(lambda: _Stock(FaceDetection()), scenes.frontal) == os.cpu_count()


class _Stock:
    """MediaPipe's own FaceDetection behind the detectors' detect/close."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def detect(self, image: cv2.typing.MatLike) -> None:
        self.graph.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))

    def close(self) -> None:
        self.graph.close()
