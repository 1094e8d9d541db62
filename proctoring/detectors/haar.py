"""OpenCV Haar cascade face detection, the independent second opinion."""

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from proctoring.detectors.base import FaceBox
from proctoring.sources import Image

CASCADE_FILE = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
THUMBNAIL_SIZE = (80, 60)


class HaarFaceDetector:
    """Frontal faces from OpenCV's bundled cascade, run on a downscaled grey frame.

    The grey frame gets a black band of ``edge_pad`` times its width at the left and right, so the
    cascade's window also fits a face that the side of the frame cuts (a candidate leaning out of
    view): such a box starts before x = 0 or ends past the frame's width. Faces narrower than a
    twelfth of the working width (53 px of a 640 px frame) are not searched.

    The cascade costs up to ~55 ms on a textured wall, and it runs on every frame MediaPipe finds no
    face in, e.g. throughout an absence. So the boxes of the last run are returned again while the
    frame's 80x60 grey thumbnail stays within ``reuse_max_diff`` grey levels (at every thumbnail
    pixel) of the one they were found on: an unchanged empty room is not searched twice. Sensor
    noise moves the thumbnail by 1 to 2 levels, a person entering or leaving by 80 or more. The
    answer depends on the picture only, so sessions sharing a detector cannot mislead each other.
    ``cascade_runs`` counts the frames the cascade actually ran on.
    """

    name = "haar_face"

    def __init__(
        self,
        work_width: int = 320,
        min_neighbors: int = 5,
        edge_pad: float = 0.125,
        reuse_max_diff: float = 6.0,
    ) -> None:
        self._cascade = cv2.CascadeClassifier(str(CASCADE_FILE))
        if self._cascade.empty():
            raise RuntimeError(f"cannot load Haar cascade {CASCADE_FILE}")
        self._work_width = work_width
        self._min_neighbors = min_neighbors
        self._edge_pad = edge_pad
        self._reuse_max_diff = reuse_max_diff
        self._last: tuple[tuple[int, ...], NDArray[np.uint8], list[FaceBox]] | None = None
        self.cascade_runs = 0

    def detect(self, image: Image) -> list[FaceBox]:
        """Face boxes in the original frame's pixels, largest first (score is always 1)."""
        scale = min(1.0, self._work_width / image.shape[1])
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if scale < 1.0:
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        thumbnail = cv2.resize(grey, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA)
        if self._last is not None:
            shape, last_thumbnail, last_boxes = self._last
            change = cv2.norm(thumbnail, last_thumbnail, cv2.NORM_INF)
            if shape == image.shape and change <= self._reuse_max_diff:
                return list(last_boxes)
        boxes = self._search(cv2.equalizeHist(grey), scale)
        self.cascade_runs += 1
        self._last = (image.shape, thumbnail, boxes)
        return list(boxes)

    def _search(self, grey: NDArray[np.uint8], scale: float) -> list[FaceBox]:
        """Run the cascade on the equalised work image, padded at the sides."""
        min_side = max(24, grey.shape[1] // 12)
        pad = round(grey.shape[1] * self._edge_pad)
        if pad:
            grey = cv2.copyMakeBorder(grey, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=0)
        found = self._cascade.detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=self._min_neighbors, minSize=(min_side, min_side)
        )
        boxes = [
            FaceBox(round((x - pad) / scale), round(y / scale), round(w / scale), round(h / scale), 1.0)
            for x, y, w, h in found
        ]
        return sorted(boxes, key=lambda box: box.area, reverse=True)

    def close(self) -> None:
        """Drop the remembered frame; the cascade is freed with the object."""
        self._last = None
