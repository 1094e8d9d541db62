"""Frame sources: a video file sampled by timestamp, and live timestamped JPEG frames."""

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np
from numpy.typing import NDArray

from proctoring.errors import FramesOutOfOrder, UnreadableFrame, UnreadableVideo
from proctoring.policy import DEFAULT_SAMPLE_FPS

Image = NDArray[np.uint8]


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
    """A video file decoded by PyAV, sampled at ``sample_fps`` frames per second of video time.

    A frame is sampled when it is the first at or after a multiple of the sample interval, so the
    choice depends only on a frame's and its predecessor's time: a source over ``[start_s, end_s)``
    yields exactly the frames a source over the whole file yields there, which lets one recording be
    split between threads. Decoding starts at the keyframe before ``start_s``; an intra-only stream
    (MJPEG) decodes only its sampled packets, an inter-coded one (H.264, VP8) converts only those.
    """

    def __init__(
        self, path: Path | str, sample_fps: float = DEFAULT_SAMPLE_FPS,
        start_s: float = 0.0, end_s: float | None = None,
    ) -> None:
        if sample_fps <= 0:
            raise ValueError("sample_fps must be positive")
        self.path = Path(path)
        self.sample_fps, self.start_s, self.end_s = sample_fps, start_s, end_s
        if not self.path.is_file() or self.path.stat().st_size == 0:
            raise UnreadableVideo(f"{self.path}: not a readable video (missing or empty file)")
        try:
            self._container = av.open(str(self.path))
        except (av.FFmpegError, UnicodeDecodeError) as error:
            raise UnreadableVideo(f"{self.path}: not a readable video") from error
        if not self._container.streams.video:
            self._container.close()
            raise UnreadableVideo(f"{self.path}: not a readable video (no video stream)")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "SLICE"  # one recording's parts already fill the cores
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.video_fps: float | None = float(rate) if rate else None
        self.duration_s = 0.0

    @property
    def length_s(self) -> float | None:
        """The recording's length from its container, before decoding (None when it does not say)."""
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if self._container.duration is not None:
            return self._container.duration / av.time_base
        return None

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
        """Release the demuxer and decoder."""
        self._container.close()

    def __iter__(self) -> Iterator[Frame]:
        stream, base = self._stream, self._stream.time_base
        origin = stream.start_time or 0
        frame_s = 1.0 / self.video_fps if self.video_fps else 0.0
        if self.start_s > 0 and base is not None:
            # land before the frame preceding start_s: its time decides whether the first one is sampled
            target = self.start_s - 1.5 * max(frame_s, 1e-3)
            self._container.seek(origin + int(target / base), stream=stream, backward=True)
        intra_only = stream.codec_context.codec.intra_only
        self._previous: float | None = None
        try:
            for packet in self._container.demux(stream):
                if intra_only and packet.pts is not None and base is not None:
                    wanted = self._wanted(float((packet.pts - origin) * base), frame_s)
                    if wanted is None:
                        return
                    if not wanted:
                        continue
                for frame in packet.decode():
                    t = float((frame.pts - origin) * base) if frame.pts is not None and base else 0.0
                    wanted = True if intra_only else self._wanted(t, frame_s)
                    if wanted is None:
                        return
                    if wanted:
                        yield Frame(t=round(t, 6), image=frame.to_ndarray(format="bgr24"))
        except av.FFmpegError as error:
            raise UnreadableVideo(f"{self.path}: not a readable video ({error})") from error
        if self._previous is None and self.start_s == 0:
            raise UnreadableVideo(f"{self.path}: video has no frames")

    def _wanted(self, t: float, frame_s: float) -> bool | None:
        """Whether the frame at ``t`` is sampled and in range; None once past the range's end."""
        if self.end_s is not None and t + 1e-6 >= self.end_s:
            return None
        sampled = _sampled(self._previous, t, 1.0 / self.sample_fps)
        self._previous = t
        self.duration_s = max(self.duration_s, t + frame_s)
        return sampled and t + 1e-6 >= self.start_s


def _sampled(previous_t: float | None, t: float, interval: float) -> bool:
    """Whether a frame at ``t`` is the first at or after a multiple of ``interval``."""
    if previous_t is None:
        return True
    return math.floor((t + 1e-6) / interval) > math.floor((previous_t + 1e-6) / interval)
