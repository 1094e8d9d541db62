"""The detector Protocol and the small value types detectors return."""

from dataclasses import dataclass
from typing import Protocol, TypeVar

from proctoring.sources import Image

ResultT_co = TypeVar("ResultT_co", covariant=True)


class Detector(Protocol[ResultT_co]):
    """Anything that turns one BGR frame into a result, and can release what it holds."""

    name: str

    def detect(self, image: Image) -> ResultT_co:
        """Analyse one BGR frame."""
        ...

    def close(self) -> None:
        """Release models and native resources."""
        ...


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A face bounding box in pixels with the detector's score."""

    x: int
    y: int
    width: int
    height: int
    score: float

    @property
    def area(self) -> int:
        """Box area in pixels."""
        return self.width * self.height

    def inside(self, width: int, height: int) -> bool:
        """Whether the whole box lies in a width x height frame (not cut by its edge)."""
        return self.x >= 0 and self.y >= 0 and self.x + self.width <= width and self.y + self.height <= height


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Head rotation in degrees: yaw (turn), pitch (nod), roll (tilt); 0 is facing the camera. The gaze
    angles are the eyes' direction relative to the head (None where the irises were not read)."""

    yaw: float
    pitch: float
    roll: float
    gaze_yaw: float | None = None
    gaze_pitch: float | None = None


FaceDetector = Detector[list[FaceBox]]
