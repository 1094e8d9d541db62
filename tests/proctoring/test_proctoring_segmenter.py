"""Smoothing rules on synthetic per-frame conditions: durations, gaps, hysteresis, evidence."""

import numpy as np
import pytest

from proctoring.detectors import BlockedReading, HeadPose
from proctoring.events import EventType
from proctoring.policy import ProctoringPolicy
from proctoring.segmenter import Segmenter
from proctoring.signals import ConditionEvaluator, FrameSignals

NO_FACE = {EventType.NO_FACE: 1.0}
CLEAR: dict[EventType, float] = {}
OPEN_LENS = BlockedReading(blocked=False, mean=110.0, std=50.0, strength=0.0)


def _frame(level: int) -> np.ndarray:
    return np.full((8, 8, 3), level, np.uint8)


def _segment(pattern: str, policy: ProctoringPolicy | None = None, fps: float = 2.0) -> Segmenter:
    """Feed one frame per character: 'x' = no face, '.' = clear; frame i has grey level i."""
    segmenter = Segmenter(policy or ProctoringPolicy())
    for index, mark in enumerate(pattern):
        segmenter.feed(index / fps, NO_FACE if mark == "x" else CLEAR, _frame(index))
    return segmenter


def test_run_becomes_event_with_span() -> None:
    events = _segment("....xxxxxxxx....").finish(8.0)
    assert [(e.type, e.start_s, e.end_s, e.confidence) for e in events] == [
        (EventType.NO_FACE, 2.0, 6.0, 1.0)
    ]


def test_short_runs_are_not_events() -> None:
    assert _segment("....x.....xxx.....").finish(9.0) == []


def test_single_missing_frame_does_not_split_an_event() -> None:
    (event,) = _segment("..xxxxx.xxxxx...").finish(8.0)
    assert (event.start_s, event.end_s) == (1.0, 6.5)
    assert event.confidence == pytest.approx(10 / 11, abs=1e-3)


def test_long_gap_splits_events() -> None:
    events = _segment("xxxxxx....xxxxxx").finish(8.0)
    assert [(e.start_s, e.end_s) for e in events] == [(0.0, 3.0), (5.0, 8.0)]


def test_open_run_closes_at_session_end() -> None:
    (event,) = _segment("......xxxxxx").finish(6.0)
    assert (event.start_s, event.end_s) == (3.0, 6.0)


def test_policy_durations_are_honoured() -> None:
    strict = ProctoringPolicy(min_event_s=5.0, max_gap_s=0.0)
    assert _segment("..xxxxxxxx..", strict).finish(6.0) == []
    assert len(_segment("xxxxxxxxxxxxx.x", ProctoringPolicy(max_gap_s=0.0)).finish(7.5)) == 1


def test_evidence_is_the_strongest_frame_and_kept_as_jpeg() -> None:
    segmenter = Segmenter(ProctoringPolicy())
    strengths = [0.6, 0.9, 0.7, 0.95, 0.8, 0.6]
    for index, strength in enumerate(strengths):
        segmenter.feed(index * 0.5, {EventType.MULTIPLE_FACES: strength}, _frame(40 * index))
    (event,) = segmenter.finish(3.0)
    assert event.evidence_s == 1.5
    assert event.confidence == pytest.approx(np.mean(strengths), abs=1e-3)
    assert event.evidence_jpeg is not None and event.evidence_jpeg[:2] == b"\xff\xd8"
    assert "evidence_jpeg" not in event.model_dump()


def _signals(t: float, yaw: float = 0.0, pitch: float = 0.0, faces: int = 1) -> FrameSignals:
    pose = HeadPose(yaw, pitch, 0.0) if faces else None
    return FrameSignals(t, faces, (0.9,) * faces, pose, OPEN_LENS, no_face_confirmed=faces == 0)


def test_looking_away_has_angle_hysteresis() -> None:
    evaluator = ConditionEvaluator(ProctoringPolicy(yaw_enter_deg=30, pose_exit_margin_deg=5))
    yaws = [10, 28, 35, 27, 26, 24, 28]
    away = [EventType.LOOKING_AWAY in evaluator.evaluate(_signals(i, yaw=y)) for i, y in enumerate(yaws)]
    assert away == [False, False, True, True, True, False, False]


def test_pitch_alone_can_mean_looking_away() -> None:
    evaluator = ConditionEvaluator(ProctoringPolicy())
    assert EventType.LOOKING_AWAY in evaluator.evaluate(_signals(0, pitch=-40))
    assert EventType.LOOKING_AWAY not in evaluator.evaluate(_signals(1, pitch=-10))


def test_blocked_lens_is_not_no_face() -> None:
    evaluator = ConditionEvaluator(ProctoringPolicy())
    dark = BlockedReading(blocked=True, mean=3.0, std=0.5, strength=0.97)
    active = evaluator.evaluate(FrameSignals(0.0, 0, (), None, dark, no_face_confirmed=False))
    assert active == {EventType.CAMERA_BLOCKED: 0.97}


def test_unconfirmed_no_face_is_less_certain() -> None:
    evaluator = ConditionEvaluator(ProctoringPolicy())
    confirmed = evaluator.evaluate(_signals(0, faces=0))
    unconfirmed = evaluator.evaluate(FrameSignals(1, 0, (), None, OPEN_LENS, no_face_confirmed=False))
    assert confirmed[EventType.NO_FACE] == 1.0
    assert unconfirmed[EventType.NO_FACE] < 1.0
    assert evaluator.evaluate(_signals(2, faces=2)) == {EventType.MULTIPLE_FACES: 0.9}
