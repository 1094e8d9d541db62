"""OpenCV Haar cascade face detection, the independent second opinion."""

from pathlib import Path

import cv2

from proctoring.detectors.base import FaceBox
from proctoring.sources import Image

CASCADE_FILE = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"


class HaarFaceDetector:
    """Frontal faces from OpenCV's bundled cascade, run on a downscaled grey frame."""

    name = "haar_face"

    def __init__(self, work_width: int = 320, min_neighbors: int = 5) -> None:
        self._cascade = cv2.CascadeClassifier(str(CASCADE_FILE))
        if self._cascade.empty():
            raise RuntimeError(f"cannot load Haar cascade {CASCADE_FILE}")
        self._work_width = work_width
        self._min_neighbors = min_neighbors

    def detect(self, image: Image) -> list[FaceBox]:
        """Face boxes in the original frame's pixels, largest first (score is always 1)."""
        scale = min(1.0, self._work_width / image.shape[1])
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if scale < 1.0:
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        grey = cv2.equalizeHist(grey)
        min_side = max(24, grey.shape[1] // 12)
        found = self._cascade.detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=self._min_neighbors, minSize=(min_side, min_side)
        )
        boxes = [
            FaceBox(round(x / scale), round(y / scale), round(w / scale), round(h / scale), 1.0)
            for x, y, w, h in found
        ]
        return sorted(boxes, key=lambda box: box.area, reverse=True)

    def close(self) -> None:
        """Nothing to release; the cascade is freed with the object."""
