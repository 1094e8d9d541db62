"""An uploaded recording analysed on every core: split by time range, one thread per range.

MediaPipe, OpenCV and FFmpeg release the GIL while they work, so threads scale across cores. The
only state carried from frame to frame is FaceMesh's landmark tracking, and it never converges to
one state on a still scene (a warm-up before each range left confidences a few thousandths off for
minutes). So tracking restarts every ``tracking_segment_s`` of video on every path, and ranges
start at those points: each range's thread is in the state one pass would be. Events come from
segmenting all ranges' signals in time order afterwards (as the upload path always has), so
smoothing and gap bridging see one timeline.
"""

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from proctoring.analysis import may_raise_event
from proctoring.audio import detect_speech
from proctoring.detectors.face_identity import Embedding
from proctoring.events import ProctoringEvent
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.segmenter import encode_jpeg
from proctoring.signals import FrameSignals, SignalExtractor
from proctoring.sources import VideoFileSource

# Called from the range's thread with (range index, signals, evidence JPEG if the frame may be evidence).
FrameSink = Callable[[int, FrameSignals, bytes | None], None]


Span = tuple[float, float | None]


def split(length_s: float | None, parts: int, segment_s: float) -> list[Span]:
    """Up to ``parts`` ranges of whole tracking segments; the last is open-ended (lengths can be short)."""
    segments = 1 if length_s is None else max(1, math.ceil(length_s / segment_s - 1e-9))
    count = max(1, min(parts, segments))
    bounds = [round(segment_s * (segments * index // count), 6) for index in range(count)]
    return [(start, bounds[i + 1] if i + 1 < count else None) for i, start in enumerate(bounds)]


def frames_expected(path: Path, sample_fps: float) -> int | None:
    """How many frames sampling will give, from the container's length (None when it does not say)."""
    with VideoFileSource(path, sample_fps) as source:
        length = source.length_s
    return None if length is None else max(1, round(length * sample_fps + 0.4999))


def _analyse_range(
    index: int, path: Path, sample_fps: float, policy: ProctoringPolicy, settings: DetectorSettings,
    span: Span, sink: FrameSink, enrolment: Embedding | None,
) -> float:
    start_s, end_s = span
    extractor = SignalExtractor(policy, settings, enrolment)
    segment = math.floor(start_s / settings.tracking_segment_s + 1e-9)
    try:
        with VideoFileSource(path, sample_fps, start_s, end_s) as source:
            for frame in source:
                if math.floor(frame.t / settings.tracking_segment_s + 1e-9) != segment:
                    segment = math.floor(frame.t / settings.tracking_segment_s + 1e-9)
                    extractor.restart_tracking()
                signals = extractor.extract(frame.image, frame.t)
                evidence = encode_jpeg(frame.image) if may_raise_event(signals, policy) else None
                sink(index, signals, evidence)
            return source.duration_s
    finally:
        extractor.close()


@dataclass(frozen=True, slots=True)
class Recorded:
    """What analysing a recording gives besides the frames' signals: its duration, and the speech
    events of its audio track (None when it has no audio track: speech not checked)."""

    duration_s: float
    speech: list[ProctoringEvent] | None


def analyse_recording(
    path: Path, sample_fps: float, policy: ProctoringPolicy, settings: DetectorSettings,
    sink: FrameSink, enrolment: Embedding | None = None,
) -> Recorded:
    """Signals of every sampled frame, handed to ``sink`` per range in time order, and the audio
    track's speech, side by side; with an ``enrolment`` embedding, identity checks too. Raises
    UnreadableVideo (from any range) for a file that cannot be decoded."""
    with VideoFileSource(path, sample_fps) as probe:
        spans = split(probe.length_s, settings.analysis_threads, settings.tracking_segment_s)
    with ThreadPoolExecutor(len(spans) + 1, thread_name_prefix="proctor-range") as pool:
        speech = pool.submit(detect_speech, path, policy)
        futures = [pool.submit(_analyse_range, index, path, sample_fps, policy, settings, span, sink,
                               enrolment)
                   for index, span in enumerate(spans)]
        duration_s = max(future.result() for future in futures)
        return Recorded(duration_s, speech.result())
