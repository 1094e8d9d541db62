"""Integrity score and the flagged verdict."""

from collections.abc import Iterable

from proctoring.events import ProctoringEvent
from proctoring.policy import ProctoringPolicy


def event_penalty(event: ProctoringEvent, duration_s: float, policy: ProctoringPolicy) -> float:
    """Points one event costs: confidence x (per-event points + time_pct x percent of session)."""
    weight = policy.weight(event.type)
    percent = 100.0 * event.duration_s / duration_s if duration_s > 0 else 0.0
    return event.confidence * (weight.per_event + weight.time_pct * percent)


def integrity_score(events: Iterable[ProctoringEvent], duration_s: float, policy: ProctoringPolicy) -> float:
    """100 minus every event's penalty, clamped to 0..100 and rounded to 0.1."""
    penalty = sum(event_penalty(event, duration_s, policy) for event in events)
    return round(min(100.0, max(0.0, 100.0 - penalty)), 1)


def is_flagged(events: Iterable[ProctoringEvent], score: float, policy: ProctoringPolicy) -> bool:
    """Flag when the score is below the tenant's threshold or an always-flag type occurred."""
    return score < policy.flag_below or any(event.type in policy.always_flag for event in events)
