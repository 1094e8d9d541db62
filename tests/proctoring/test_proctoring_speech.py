"""Voices on the audio track: espeak-ng speech mixed with room noise, muxed into H.264 recordings."""

from pathlib import Path

import pytest
from proctoring_media import Scenes, soundtrack, speech, write_h264

from proctoring.audio import detect_speech, speech_events
from proctoring.events import EventType
from proctoring.pipeline import analyze_video
from proctoring.policy import ProctoringPolicy

SENTENCE = "Question four. The answer is the mitochondria, the powerhouse of the cell. Write that down."


@pytest.fixture(scope="module")
def talking(tmp_path_factory: pytest.TempPathFactory, scenes: Scenes) -> Path:
    """20 s of a frontal candidate; someone speaks from 8 s for about 6 s over room noise."""
    voice = speech(SENTENCE)
    assert 4.0 < len(voice) / 16_000 < 9.0
    track = soundtrack(20.0, [(8.0, voice)])
    return write_h264(tmp_path_factory.mktemp("speech") / "talking.mp4", [(20, scenes.frontal)], audio=track)


def test_sustained_speech_is_one_event(talking: Path) -> None:
    (event,) = detect_speech(talking, ProctoringPolicy()) or []
    assert event.type == EventType.SPEECH_DETECTED
    assert event.start_s == pytest.approx(8.0, abs=0.5)
    assert 12.0 < event.end_s < 17.5
    assert event.confidence > 0.6


def test_room_noise_alone_raises_nothing(tmp_path: Path, scenes: Scenes) -> None:
    quiet = write_h264(tmp_path / "quiet.mp4", [(12, scenes.frontal)], audio=soundtrack(12.0, [], noise=0.05))
    assert detect_speech(quiet, ProctoringPolicy()) == []


def test_a_recording_without_audio_is_not_checked(tmp_path: Path, scenes: Scenes) -> None:
    silent = write_h264(tmp_path / "video_only.mp4", [(3, scenes.frontal)])
    assert detect_speech(silent, ProctoringPolicy()) is None


def test_a_short_utterance_is_below_the_policy_minimum(tmp_path: Path, scenes: Scenes) -> None:
    short = write_h264(tmp_path / "short.mp4", [(8, scenes.frontal)],
                       audio=soundtrack(8.0, [(2.0, speech("Yes."))]))
    assert detect_speech(short, ProctoringPolicy()) == []
    assert [e.type for e in detect_speech(short, ProctoringPolicy(speech_min_s=0.2)) or []] == [
        EventType.SPEECH_DETECTED]


def test_pauses_up_to_the_gap_are_bridged() -> None:
    window = 0.032
    burst, pause = [0.9] * 60, [0.1] * 20  # ~1.9 s of speech, 0.64 s pause
    (event,) = speech_events(burst + pause + burst, window, ProctoringPolicy())
    assert event.start_s == 0.0 and event.end_s == pytest.approx(140 * window, abs=1e-3)
    assert len(speech_events(burst + [0.1] * 40 + burst, window, ProctoringPolicy())) == 0  # 1.28 s gap


def test_speech_is_on_the_analysis_timeline_with_a_low_weight(talking: Path) -> None:
    result = analyze_video(talking)
    (event,) = result.events
    assert event.type == EventType.SPEECH_DETECTED
    # default weight: 1 point per event and 0.5 per percent of the session (a second face costs 10 and 3)
    expected = 100 - event.confidence * (1 + 0.5 * 100 * event.duration_s / result.duration_s)
    assert result.integrity_score == pytest.approx(expected, abs=0.05) and not result.flagged
    assert result.audio_checked is True
