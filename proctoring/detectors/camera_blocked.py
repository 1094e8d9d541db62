"""Covered or black camera from grey-level brightness and spread."""

from dataclasses import dataclass

import cv2

from proctoring.sources import Image

WORK_SIZE = (160, 120)


@dataclass(frozen=True, slots=True)
class BlockedReading:
    """Whether the lens looks covered, with the statistics and a strength in [0, 1]."""

    blocked: bool
    mean: float
    std: float
    strength: float


class CameraBlockedDetector:
    """A frame is blocked when it is near-uniform (low std) or nearly black (low mean)."""

    name = "camera_blocked"

    def __init__(self, max_std: float = 10.0, max_mean: float = 20.0) -> None:
        self._max_std = max_std
        self._max_mean = max_mean

    def detect(self, image: Image) -> BlockedReading:
        """Measure the frame on a small grey thumbnail (cheap and noise-robust)."""
        grey = cv2.cvtColor(cv2.resize(image, WORK_SIZE, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        mean_arr, std_arr = cv2.meanStdDev(grey)
        mean, std = float(mean_arr[0, 0]), float(std_arr[0, 0])
        blocked = std < self._max_std or mean < self._max_mean
        strength = max(_closeness(std, self._max_std), _closeness(mean, self._max_mean))
        return BlockedReading(blocked=blocked, mean=mean, std=std, strength=strength)

    def close(self) -> None:
        """Nothing to release."""


def _closeness(value: float, limit: float) -> float:
    """1 at zero, 0.5 at the limit, 0 at twice the limit."""
    if limit <= 0:
        return 0.0
    return min(1.0, max(0.0, 1.0 - value / (2.0 * limit)))
