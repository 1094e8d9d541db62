"""Smoothing: per-frame conditions become timed events with confidence and evidence."""

from dataclasses import dataclass

import cv2

from proctoring.events import VIDEO_EVENT_TYPES, EventType, ProctoringEvent
from proctoring.policy import ProctoringPolicy
from proctoring.sources import Image

EVIDENCE_JPEG_QUALITY = 85


@dataclass(slots=True)
class _Run:
    """A condition seen from ``start_s``; ``absent_since`` is set while it is missing."""

    start_s: float
    evidence_image: Image
    absent_since: float | None = None
    absent_frames: int = 0
    frames_total: int = 0
    strength_sum: float = 0.0
    evidence_s: float = 0.0
    evidence_strength: float = -1.0

    def observe(self, t: float, strength: float, image: Image) -> None:
        """Count a frame where the condition holds (bridging any gap); keep the strongest."""
        self.frames_total += self.absent_frames + 1
        self.absent_since, self.absent_frames = None, 0
        self.strength_sum += strength
        if strength > self.evidence_strength:
            self.evidence_s, self.evidence_strength, self.evidence_image = t, strength, image

    def miss(self, t: float) -> None:
        """Count a frame where the condition does not hold."""
        if self.absent_since is None:
            self.absent_since = t
        self.absent_frames += 1


class Segmenter:
    """Per type: bridge gaps up to ``max_gap_s``, keep runs of at least ``min_event_s``.

    Confidence is the mean condition strength over the event's frames, counting bridged
    frames as zero, so a patchy event is less certain than a solid one.
    """

    def __init__(self, policy: ProctoringPolicy) -> None:
        self._policy = policy
        self._runs: dict[EventType, _Run] = {}
        self._events: list[ProctoringEvent] = []

    def feed(self, t: float, active: dict[EventType, float], image: Image) -> None:
        """Advance every event type by one frame at time ``t``."""
        for event_type in VIDEO_EVENT_TYPES:
            run = self._runs.get(event_type)
            if run is not None and run.absent_since is not None and self._gap_exceeded(run, t):
                self._close(event_type, run.absent_since)
                run = None
            strength = active.get(event_type)
            if strength is not None:
                if run is None:
                    run = self._runs[event_type] = _Run(start_s=t, evidence_image=image)
                run.observe(t, strength, image)
            elif run is not None:
                run.miss(t)

    def finish(self, end_s: float) -> list[ProctoringEvent]:
        """Close open runs at ``end_s`` (or where they went absent) and return all events."""
        for event_type, run in list(self._runs.items()):
            self._close(event_type, run.absent_since if run.absent_since is not None else end_s)
        return sorted(self._events, key=lambda event: (event.start_s, event.type))

    def _gap_exceeded(self, run: _Run, t: float) -> bool:
        absent_since = run.absent_since if run.absent_since is not None else t
        return t - absent_since > self._policy.max_gap_s

    def _close(self, event_type: EventType, end_s: float) -> None:
        run = self._runs.pop(event_type)
        if end_s - run.start_s < self._policy.min_event_s:
            return
        confidence = run.strength_sum / run.frames_total
        self._events.append(
            ProctoringEvent(
                type=event_type,
                start_s=round(run.start_s, 3),
                end_s=round(end_s, 3),
                confidence=round(min(1.0, confidence), 3),
                evidence_s=round(run.evidence_s, 3),
                evidence_jpeg=encode_jpeg(run.evidence_image),
            )
        )


def encode_jpeg(image: Image) -> bytes:
    """JPEG bytes of a BGR frame, ready for object storage."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, EVIDENCE_JPEG_QUALITY])
    if not ok:
        raise ValueError("cannot encode evidence frame")
    return buffer.tobytes()
