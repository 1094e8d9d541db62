"""Video and live-frame analysis: frames -> signals -> events -> score."""

import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel

from proctoring.analysis import segment
from proctoring.browser import BrowserEvent, merge_timeline
from proctoring.detectors.face_identity import Embedding
from proctoring.events import ProctoringEvent
from proctoring.policy import DEFAULT_SAMPLE_FPS, DetectorSettings, ProctoringPolicy
from proctoring.recorded import analyse_recording
from proctoring.scoring import integrity_score, is_flagged
from proctoring.segmenter import Segmenter
from proctoring.signals import ConditionEvaluator, FrameSignals, SignalExtractor
from proctoring.sources import Image, check_order, decode_jpeg


class AnalysisResult(BaseModel):
    """The outcome of one proctored session (evidence JPEGs ride on events, not in dumps)."""

    duration_s: float
    frames_analyzed: int
    sample_fps: float
    processing_s: float
    events: list[ProctoringEvent]
    integrity_score: float
    flagged: bool
    # Whether the recording's audio track was checked for speech (False: it had none; None: live frames).
    audio_checked: bool | None = None
    # Whether faces were compared with an enrolment photo.
    identity_checked: bool = False


class IncrementalAnalyzer:
    """Analyses frames as they arrive (live or decoded), then scores the session on finish."""

    def __init__(
        self,
        policy: ProctoringPolicy | None = None,
        settings: DetectorSettings | None = None,
        sample_fps: float = DEFAULT_SAMPLE_FPS,
    ) -> None:
        self.policy = policy or ProctoringPolicy()
        self.sample_fps = sample_fps
        self._extractor = SignalExtractor(self.policy, settings or DetectorSettings())
        self._evaluator = ConditionEvaluator(self.policy)
        self._segmenter = Segmenter(self.policy)
        self._browser_events: list[BrowserEvent] = []
        self._last_t: float | None = None
        self._frames = 0
        self._busy_s = 0.0

    def __enter__(self) -> "IncrementalAnalyzer":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def feed(self, image: Image, t: float) -> None:
        """Analyse one BGR frame taken ``t`` seconds into the session; times must increase."""
        check_order(self._last_t, t)
        started = time.perf_counter()
        signals = self._extractor.extract(image, t)
        self._segmenter.feed(t, self._evaluator.evaluate(signals), image)
        self._last_t = t
        self._frames += 1
        self._busy_s += time.perf_counter() - started

    def feed_jpeg(self, data: bytes, t: float) -> None:
        """Decode and analyse one posted JPEG frame."""
        check_order(self._last_t, t)
        self.feed(decode_jpeg(data), t)

    def add_browser_events(self, events: Iterable[BrowserEvent]) -> None:
        """Put browser monitor reports on the session timeline."""
        self._browser_events.extend(events)

    def finish(self, duration_s: float | None = None) -> AnalysisResult:
        """Close open events, score the session and release the detectors."""
        started = time.perf_counter()
        if duration_s is None:
            duration_s = 0.0 if self._last_t is None else self._last_t + 1.0 / self.sample_fps
        video_events = self._segmenter.finish(duration_s)
        events = merge_timeline(video_events, self._browser_events)
        score = integrity_score(events, duration_s, self.policy)
        self.close()
        return AnalysisResult(
            duration_s=round(duration_s, 3),
            frames_analyzed=self._frames,
            sample_fps=self.sample_fps,
            processing_s=round(self._busy_s + time.perf_counter() - started, 3),
            events=events,
            integrity_score=score,
            flagged=is_flagged(events, score, self.policy),
        )

    def close(self) -> None:
        """Release the MediaPipe graphs; safe to call more than once."""
        self._extractor.close()


def analyze_video(
    path: Path | str,
    sample_fps: float = DEFAULT_SAMPLE_FPS,
    policy: ProctoringPolicy | None = None,
    settings: DetectorSettings | None = None,
    browser_events: Iterable[BrowserEvent] = (),
    enrolment: Embedding | None = None,
) -> AnalysisResult:
    """Analyse a video file sampled at ``sample_fps`` on every core (``settings.analysis_threads``),
    comparing faces with an ``enrolment`` embedding if given; raises UnreadableVideo for bad files."""
    started = time.perf_counter()
    policy, settings = policy or ProctoringPolicy(), settings or DetectorSettings()
    if sample_fps <= 0:
        raise ValueError("sample_fps must be positive")
    parts: dict[int, list[tuple[FrameSignals, bytes | None]]] = defaultdict(list)
    recorded = analyse_recording(
        Path(path), sample_fps, policy, settings,
        lambda index, signals, evidence: parts[index].append((signals, evidence)), enrolment,
    )
    duration_s = recorded.duration_s
    frames = [frame for index in sorted(parts) for frame in parts[index]]
    evidence = {round(signals.t, 3): jpeg for signals, jpeg in frames if jpeg is not None}
    video_events = [
        event.model_copy(update={"evidence_jpeg": evidence.get(event.evidence_s)})
        for event in segment((signals for signals, _ in frames), policy, duration_s)
    ]
    events = merge_timeline([*video_events, *(recorded.speech or [])], list(browser_events))
    score = integrity_score(events, duration_s, policy)
    return AnalysisResult(
        duration_s=round(duration_s, 3),
        frames_analyzed=len(frames),
        sample_fps=sample_fps,
        processing_s=round(time.perf_counter() - started, 3),
        events=events,
        integrity_score=score,
        flagged=is_flagged(events, score, policy),
        audio_checked=recorded.speech is not None,
        identity_checked=enrolment is not None,
    )
