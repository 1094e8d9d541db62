"""MediaPipe face detection (BlazeFace short- or full-range)."""

from typing import Literal

import cv2
from mediapipe.python.solutions.face_detection import FaceDetection

from proctoring.detectors.base import FaceBox
from proctoring.sources import Image

MODEL_SELECTION = {"short_range": 0, "full_range": 1}


class MediaPipeFaceDetector:
    """Faces found by MediaPipe, largest first; one graph reused across frames."""

    name = "mediapipe_face"

    def __init__(
        self,
        model: Literal["short_range", "full_range"] = "short_range",
        min_confidence: float = 0.5,
        work_width: int = 320,
    ) -> None:
        self._work_width = work_width
        self._graph = FaceDetection(
            model_selection=MODEL_SELECTION[model], min_detection_confidence=min_confidence
        )

    def detect(self, image: Image) -> list[FaceBox]:
        """Face boxes in the frame's pixel coordinates, clipped to it, largest first."""
        height, width = image.shape[:2]
        # The models see 128 (short) or 192 (full) pixels, so a smaller copy loses nothing.
        if width > self._work_width:
            small_height = round(height * self._work_width / width)
            image = cv2.resize(image, (self._work_width, small_height), interpolation=cv2.INTER_AREA)
        result = self._graph.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        boxes = []
        for detection in result.detections or []:
            rel = detection.location_data.relative_bounding_box
            x0, y0 = max(0, round(rel.xmin * width)), max(0, round(rel.ymin * height))
            x1 = min(width, round((rel.xmin + rel.width) * width))
            y1 = min(height, round((rel.ymin + rel.height) * height))
            if x1 > x0 and y1 > y0:
                boxes.append(FaceBox(x0, y0, x1 - x0, y1 - y0, float(detection.score[0])))
        return sorted(boxes, key=lambda box: box.area, reverse=True)

    def close(self) -> None:
        """Release the MediaPipe graph."""
        self._graph.close()
