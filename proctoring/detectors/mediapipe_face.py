"""MediaPipe face detection (BlazeFace short- or full-range)."""

from typing import Literal

import cv2

from proctoring.detectors.base import FaceBox
from proctoring.detectors.mediapipe_graph import one_executor_thread
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
        self._min_confidence = min_confidence
        from mediapipe.python.solutions.face_detection import FaceDetection  # ~2 s to load: on first use

        self._graph = one_executor_thread(FaceDetection)(
            model_selection=MODEL_SELECTION[model], min_detection_confidence=min_confidence
        )

    def detect(self, image: Image) -> list[FaceBox]:
        """Face boxes in the frame's pixel coordinates, largest first. A face the frame's edge cuts keeps
        its whole box, reaching past the edge, so a crop around it stays centred on the face."""
        height, width = image.shape[:2]
        # The models see 128 (short) or 192 (full) pixels, so a smaller copy loses nothing.
        if width > self._work_width:
            small_height = round(height * self._work_width / width)
            image = cv2.resize(image, (self._work_width, small_height), interpolation=cv2.INTER_AREA)
        result = self._graph.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        boxes = []
        for detection in result.detections or []:
            rel = detection.location_data.relative_bounding_box
            box = FaceBox(
                round(rel.xmin * width),
                round(rel.ymin * height),
                round(rel.width * width),
                round(rel.height * height),
                float(detection.score[0]),
            )
            # The graph does not apply min_detection_confidence itself (google-ai-edge/mediapipe#3896).
            if box.area > 0 and box.score >= self._min_confidence:
                boxes.append(box)
        return sorted(boxes, key=lambda box: box.area, reverse=True)

    def close(self) -> None:
        """Release the MediaPipe graph."""
        self._graph.close()
