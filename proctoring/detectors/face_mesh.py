"""MediaPipe FaceMesh on the main face, reduced to a head pose and the eyes' direction."""

from dataclasses import replace

import cv2
import numpy as np

from proctoring.detectors.base import FaceBox, HeadPose
from proctoring.detectors.gaze import GAZE_LANDMARKS, gaze_angles
from proctoring.detectors.head_pose import POSE_LANDMARKS, solve_head_pose
from proctoring.detectors.mediapipe_graph import one_executor_thread
from proctoring.sources import Image

CROP_MARGIN = 1.8
CROP_SIZE = 256


class FaceMeshPoseEstimator:
    """Landmarks on one face crop (fixed size, so cost is constant), the head pose and, with ``irises``
    (FaceMesh's refined landmarks), the gaze."""

    name = "face_mesh_pose"

    def __init__(self, tracking: bool = True, irises: bool = False) -> None:
        from mediapipe.python.solutions.face_mesh import FaceMesh  # MediaPipe loads in ~2 s: on first use

        self._mesh = one_executor_thread(FaceMesh)(
            static_image_mode=not tracking,
            max_num_faces=1,
            refine_landmarks=irises,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )

    def detect(self, image: Image) -> HeadPose | None:
        """Head pose of the face filling the middle of the frame, if the mesh finds one."""
        height, width = image.shape[:2]
        return self.estimate(image, FaceBox(0, 0, width, height, 1.0), margin=1.0)

    def estimate(self, image: Image, box: FaceBox, margin: float = CROP_MARGIN) -> HeadPose | None:
        """Head pose of the face in ``box``; None when the mesh cannot place landmarks."""
        side = max(1, round(max(box.width, box.height) * margin))
        x0 = round(box.x + box.width / 2 - side / 2)
        y0 = round(box.y + box.height / 2 - side / 2)
        crop = _square_crop(image, x0, y0, side)
        rgb = cv2.cvtColor(cv2.resize(crop, (CROP_SIZE, CROP_SIZE)), cv2.COLOR_BGR2RGB)
        result = self._mesh.process(rgb)
        if not result.multi_face_landmarks:
            return None
        landmarks = result.multi_face_landmarks[0].landmark

        def point(i: int) -> tuple[float, float]:
            return x0 + landmarks[i].x * side, y0 + landmarks[i].y * side

        points = np.array([point(i) for i in POSE_LANDMARKS], dtype=np.float64)
        pose = solve_head_pose(points, image.shape[1], image.shape[0])
        if pose is None or len(landmarks) <= max(GAZE_LANDMARKS):
            return pose
        gaze = gaze_angles({i: np.array(point(i)) for i in GAZE_LANDMARKS})
        return pose if gaze is None else replace(pose, gaze_yaw=gaze[0], gaze_pitch=gaze[1])

    def restart_tracking(self) -> None:
        """Forget tracked landmarks: the next frame is read as if it were the first (~7 ms)."""
        self._mesh.reset()

    def close(self) -> None:
        """Release the MediaPipe graph."""
        self._mesh.close()


def _square_crop(image: Image, x0: int, y0: int, side: int) -> Image:
    """The side x side window at (x0, y0), padded with black where it leaves the frame."""
    height, width = image.shape[:2]
    inside = image[max(0, y0) : min(height, y0 + side), max(0, x0) : min(width, x0 + side)]
    if inside.shape[0] == side and inside.shape[1] == side:
        return inside
    canvas = np.zeros((side, side, 3), dtype=image.dtype)
    oy, ox = max(0, -y0), max(0, -x0)
    canvas[oy : oy + inside.shape[0], ox : ox + inside.shape[1]] = inside
    return canvas
