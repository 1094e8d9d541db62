"""Head pose (yaw, pitch, roll) from six face landmarks with cv2.solvePnP."""

import cv2
import numpy as np
from numpy.typing import NDArray

from proctoring.detectors.base import HeadPose

# FaceMesh landmark indices: nose tip, chin, outer eye corners and mouth corners, in
# image-left/image-right order for a face looking at the camera.
POSE_LANDMARKS: tuple[int, ...] = (1, 152, 33, 263, 61, 291)

# A generic adult face in millimetres, camera convention (x right, y down, z away from the
# camera), nose tip at the origin; same order as POSE_LANDMARKS.
CANONICAL_FACE_MM: NDArray[np.float64] = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, 330.0, 65.0),
        (-225.0, -170.0, 135.0),
        (225.0, -170.0, 135.0),
        (-150.0, 150.0, 125.0),
        (150.0, 150.0, 125.0),
    ],
    dtype=np.float64,
)


def solve_head_pose(points_px: NDArray[np.float64], width: int, height: int) -> HeadPose | None:
    """Pose of the canonical face that projects onto ``points_px`` in a width x height frame."""
    focal = float(width)
    camera = np.array(
        [[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]], dtype=np.float64
    )
    # SQPnP finds the global minimum (the iterative solver alone, started from nothing, can settle on a
    # far-off local one for a turned face); Levenberg-Marquardt then refines the reprojection error.
    ok, rotation_vec, translation_vec = cv2.solvePnP(
        CANONICAL_FACE_MM, points_px, camera, None, flags=cv2.SOLVEPNP_SQPNP
    )
    if not ok:
        return None
    rotation_vec, _ = cv2.solvePnPRefineLM(
        CANONICAL_FACE_MM, points_px, camera, None, rotation_vec, translation_vec
    )
    rotation, _ = cv2.Rodrigues(rotation_vec)
    pitch, yaw, roll = cv2.RQDecomp3x3(rotation)[0]
    return HeadPose(yaw=float(yaw), pitch=float(pitch), roll=float(roll))
