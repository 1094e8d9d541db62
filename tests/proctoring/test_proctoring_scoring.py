"""Browser events and the integrity score: validation, arithmetic, flagging."""

import pytest
from pydantic import ValidationError

from proctoring.browser import BrowserEvent, merge_timeline
from proctoring.events import EventType, ProctoringEvent
from proctoring.policy import EventWeight, ProctoringPolicy
from proctoring.scoring import event_penalty, integrity_score, is_flagged


def _event(kind: EventType, start: float, end: float, confidence: float = 1.0) -> ProctoringEvent:
    return ProctoringEvent(type=kind, start_s=start, end_s=end, confidence=confidence, evidence_s=start)


def test_browser_event_validation() -> None:
    event = BrowserEvent.model_validate({"type": "tab_hidden", "start_s": 12.5, "end_s": 20})
    assert event.to_event().model_dump() == {
        "type": EventType.TAB_HIDDEN,
        "start_s": 12.5,
        "end_s": 20.0,
        "confidence": 1.0,
        "evidence_s": None,
    }
    assert BrowserEvent(type="paste", start_s=3).to_event().end_s == 3.0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "screenshot", "start_s": 1},
        {"type": "no_face", "start_s": 1},
        {"type": "copy", "start_s": -1},
        {"type": "copy", "start_s": 5, "end_s": 4},
        {"type": "copy", "start_s": 5, "extra": True},
        {"type": "copy"},
    ],
)
def test_bad_browser_events_are_refused(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BrowserEvent.model_validate(payload)


def test_browser_events_join_the_timeline_in_order() -> None:
    video = [_event(EventType.NO_FACE, 10, 16)]
    browser = [BrowserEvent(type="paste", start_s=30), BrowserEvent(type="copy", start_s=2)]  # type: ignore[arg-type]
    timeline = merge_timeline(video, browser)
    assert [(e.type, e.start_s) for e in timeline] == [
        (EventType.COPY, 2.0),
        (EventType.NO_FACE, 10.0),
        (EventType.PASTE, 30.0),
    ]


def test_score_arithmetic_on_known_events() -> None:
    policy = ProctoringPolicy(
        weights={
            EventType.NO_FACE: EventWeight(per_event=3, time_pct=1.5),
            EventType.PASTE: EventWeight(per_event=5),
        }
    )
    events = [
        _event(EventType.NO_FACE, 10, 16),  # 3 + 1.5 * 10% = 18
        _event(EventType.NO_FACE, 20, 23, confidence=0.5),  # 0.5 * (3 + 1.5 * 5%) = 5.25
        _event(EventType.PASTE, 30, 30),  # 5
        _event(EventType.LOOKING_AWAY, 40, 50),  # no weight configured: 0
    ]
    assert event_penalty(events[0], 60.0, policy) == pytest.approx(18.0)
    assert integrity_score(events, 60.0, policy) == pytest.approx(100 - 18 - 5.25 - 5, abs=0.05)


def test_score_is_clamped_and_clean_is_100() -> None:
    policy = ProctoringPolicy()
    assert integrity_score([], 60.0, policy) == 100.0
    assert integrity_score([_event(EventType.MULTIPLE_FACES, 0, 60)], 60.0, policy) == 0.0
    assert integrity_score([_event(EventType.COPY, 1, 1)], 0.0, policy) == 98.0


def test_flagged_below_threshold() -> None:
    policy = ProctoringPolicy(flag_below=80)
    assert not is_flagged([], 100.0, policy)
    assert is_flagged([_event(EventType.NO_FACE, 0, 10)], 79.9, policy)
    assert not is_flagged([_event(EventType.NO_FACE, 0, 10)], 80.0, policy)


def test_always_flag_types_flag_a_high_score() -> None:
    events = [_event(EventType.PASTE, 5, 5)]
    assert not is_flagged(events, 95.0, ProctoringPolicy())
    assert is_flagged(events, 95.0, ProctoringPolicy(always_flag=frozenset({EventType.PASTE})))
    assert is_flagged([_event(EventType.MULTIPLE_FACES, 1, 4)], 99.0, ProctoringPolicy())


def test_default_policy_weights_every_event_type() -> None:
    policy = ProctoringPolicy()
    assert set(policy.weights) == set(EventType)
    assert all(policy.weight(kind).per_event > 0 for kind in EventType)
