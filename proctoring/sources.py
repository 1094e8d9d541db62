"""Frame sources: a video file sampled by timestamp, and live timestamped JPEG frames."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np
from numpy.typing import NDArray

from proctoring.errors import FramesOutOfOrder, UnreadableFrame, UnreadableVideo

Image = NDArray[np.uint8]
DEFAULT_SAMPLE_FPS = 2.0


@dataclass(frozen=True, slots=True)
class Frame:
    """One BGR image and its time in seconds from the start of the session."""

    t: float
    image: Image


@dataclass(frozen=True, slots=True)
class JpegFrame:
    """An encoded frame as posted by the exam page."""

    data: bytes
    t: float


def check_order(previous_t: float | None, t: float) -> None:
    """Refuse a timestamp that is negative or not strictly after the previous one."""
    if t < 0:
        raise FramesOutOfOrder(f"frame timestamp {t:.3f}s is negative")
    if previous_t is not None and t <= previous_t:
        raise FramesOutOfOrder(f"frame at {t:.3f}s arrived after a frame at {previous_t:.3f}s")


def decode_jpeg(data: bytes) -> Image:
    """Decode JPEG (or any image OpenCV reads) bytes to a BGR array."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise UnreadableFrame("frame is not a decodable image")
    return image


def jpeg_frames(frames: Iterable[JpegFrame]) -> Iterator[Frame]:
    """Decode live frames in order, refusing any that go back in time."""
    previous_t: float | None = None
    for frame in frames:
        check_order(previous_t, frame.t)
        previous_t = frame.t
        yield Frame(t=frame.t, image=decode_jpeg(frame.data))


class VideoFileSource:
    """A video file read by OpenCV, sampled at ``sample_fps`` frames per second of video time."""

    def __init__(self, path: Path | str, sample_fps: float = DEFAULT_SAMPLE_FPS) -> None:
        if sample_fps <= 0:
            raise ValueError("sample_fps must be positive")
        self.path = Path(path)
        self.sample_fps = sample_fps
        if not self.path.is_file() or self.path.stat().st_size == 0:
            raise UnreadableVideo(f"{self.path}: not a readable video (missing or empty file)")
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            self._capture.release()
            raise UnreadableVideo(f"{self.path}: not a readable video")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.video_fps: float | None = fps if fps and np.isfinite(fps) and fps > 0 else None
        self.duration_s = 0.0

    def __enter__(self) -> "VideoFileSource":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the decoder."""
        self._capture.release()

    def _timestamp(self, index: int) -> float:
        if self.video_fps is not None:
            return index / self.video_fps
        return float(self._capture.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0

    def __iter__(self) -> Iterator[Frame]:
        interval = 1.0 / self.sample_fps
        next_sample_t = 0.0
        index = 0
        while self._capture.grab():
            t = self._timestamp(index)
            index += 1
            self.duration_s = index / self.video_fps if self.video_fps else t
            if t + 1e-6 < next_sample_t:
                continue
            ok, image = self._capture.retrieve()
            if not ok or image is None:
                continue
            next_sample_t += interval * (1 + int((t - next_sample_t + 1e-6) // interval))
            yield Frame(t=round(t, 6), image=image)
        if index == 0:
            raise UnreadableVideo(f"{self.path}: video has no frames")
