"""Detectors behind one Protocol, one implementation per module."""

from proctoring.detectors.base import Detector, FaceBox, FaceDetector, HeadPose
from proctoring.detectors.camera_blocked import BlockedReading, CameraBlockedDetector
from proctoring.detectors.face_mesh import FaceMeshPoseEstimator
from proctoring.detectors.haar import HaarFaceDetector
from proctoring.detectors.mediapipe_face import MediaPipeFaceDetector
from proctoring.detectors.onnx_slot import OnnxModelSlot, OnnxResult

__all__ = [
    "BlockedReading",
    "CameraBlockedDetector",
    "Detector",
    "FaceBox",
    "FaceDetector",
    "FaceMeshPoseEstimator",
    "HaarFaceDetector",
    "HeadPose",
    "MediaPipeFaceDetector",
    "OnnxModelSlot",
    "OnnxResult",
]
