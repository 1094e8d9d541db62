"""Whole-session analysis of composed videos and of live JPEG frames."""

from pathlib import Path

import cv2
import pytest
from proctoring_media import Scenes, VideoMaker, write_h264

from proctoring.browser import BrowserEvent
from proctoring.errors import FramesOutOfOrder, UnreadableVideo
from proctoring.events import EventType
from proctoring.pipeline import AnalysisResult, IncrementalAnalyzer, analyze_video
from proctoring.policy import DetectorSettings
from proctoring.recorded import split
from proctoring.sources import VideoFileSource, decode_jpeg

RESULT_FIELDS = {
    "duration_s",
    "frames_analyzed",
    "sample_fps",
    "processing_s",
    "events",
    "integrity_score",
    "flagged",
    "audio_checked",
    "identity_checked",
}
EVENT_FIELDS = {"type", "start_s", "end_s", "confidence", "evidence_s"}


def _types(result: AnalysisResult) -> list[EventType]:
    return [event.type for event in result.events]


@pytest.fixture(scope="module")
def clean(make_video: VideoMaker, scenes: Scenes) -> AnalysisResult:
    return analyze_video(make_video("clean", [(12, scenes.frontal)]))


def test_clean_session_has_no_events(clean: AnalysisResult) -> None:
    assert clean.events == []
    assert clean.integrity_score == 100.0
    assert not clean.flagged
    assert clean.duration_s == pytest.approx(12.0)
    assert clean.frames_analyzed == 24
    assert clean.sample_fps == 2.0
    assert clean.processing_s > 0


def test_result_dumps_exactly_the_documented_fields(make_video: VideoMaker, scenes: Scenes) -> None:
    result = analyze_video(make_video("dump", [(3, scenes.frontal), (4, scenes.black)]))
    dumped = result.model_dump(mode="json")
    assert set(dumped) == RESULT_FIELDS
    assert dumped["events"] and all(set(event) == EVENT_FIELDS for event in dumped["events"])
    assert dumped["events"][0]["type"] == "camera_blocked"


def test_a_recording_split_between_threads_gives_the_events_of_one_pass(
    tmp_path: Path, scenes: Scenes
) -> None:
    segments = [(7, scenes.frontal), (6, scenes.turned(0.45)), (5, scenes.frontal), (6, scenes.empty),
                (6, scenes.two_faces), (6, scenes.frontal)]
    video = write_h264(tmp_path / "exam.mp4", segments)
    one_pass = analyze_video(video, settings=DetectorSettings(analysis_threads=1, tracking_segment_s=10))
    split = analyze_video(video, settings=DetectorSettings(analysis_threads=3, tracking_segment_s=10))
    assert {event.type for event in one_pass.events} >= {
        EventType.LOOKING_AWAY, EventType.NO_FACE, EventType.MULTIPLE_FACES}
    assert split.model_dump(exclude={"processing_s"}) == one_pass.model_dump(exclude={"processing_s"})
    assert split.frames_analyzed == 72
    assert all(event.evidence_jpeg and event.evidence_jpeg == before.evidence_jpeg
               for event, before in zip(split.events, one_pass.events, strict=True))


def test_face_removed_for_six_seconds_is_one_no_face(make_video: VideoMaker, scenes: Scenes) -> None:
    video = make_video("no_face", [(5, scenes.frontal), (6, scenes.empty), (5, scenes.frontal)])
    result = analyze_video(video)
    (event,) = result.events
    assert event.type == EventType.NO_FACE
    assert event.start_s == pytest.approx(5.0, abs=1.0)
    assert event.end_s == pytest.approx(11.0, abs=1.0)
    assert event.confidence > 0.9
    assert 5.0 <= (event.evidence_s or 0) < 11.0
    assert event.evidence_jpeg is not None
    evidence = decode_jpeg(event.evidence_jpeg)
    assert evidence.shape == (480, 640, 3)
    assert evidence.std() < scenes.frontal.std()
    assert result.integrity_score < 100 and result.flagged


def test_second_face_for_four_seconds_is_multiple_faces(make_video: VideoMaker, scenes: Scenes) -> None:
    video = make_video("second_face", [(4, scenes.frontal), (4, scenes.two_faces), (4, scenes.frontal)])
    result = analyze_video(video)
    (event,) = result.events
    assert event.type == EventType.MULTIPLE_FACES
    assert event.start_s == pytest.approx(4.0, abs=1.0)
    assert event.end_s == pytest.approx(8.0, abs=1.0)
    assert result.flagged


@pytest.mark.parametrize("cover", ["black", "covered"])
def test_covered_camera_is_camera_blocked_not_no_face(
    make_video: VideoMaker, scenes: Scenes, cover: str
) -> None:
    segments = [(4, scenes.frontal), (5, getattr(scenes, cover)), (3, scenes.frontal)]
    video = make_video(f"cover_{cover}", segments)
    result = analyze_video(video)
    assert _types(result) == [EventType.CAMERA_BLOCKED]
    assert result.events[0].start_s == pytest.approx(4.0, abs=1.0)
    assert result.events[0].end_s == pytest.approx(9.0, abs=1.0)


def test_single_dropped_frames_give_nothing(make_video: VideoMaker, scenes: Scenes) -> None:
    segments = [(5, scenes.frontal), (0.25, scenes.empty), (1.75, scenes.frontal), (0.25, scenes.black)]
    video = make_video("dropped", [*segments, (3, scenes.frontal)])
    with VideoFileSource(video) as source:
        sampled = {frame.t: frame.image for frame in source}
    assert sampled[5.0].mean() > 100 and sampled[7.0].mean() < 20
    result = analyze_video(video)
    assert result.frames_analyzed == len(sampled) == 21
    assert result.events == []
    assert result.integrity_score == 100.0


def test_turned_head_is_looking_away(make_video: VideoMaker, scenes: Scenes) -> None:
    video = make_video("away", [(4, scenes.frontal), (5, scenes.turned(0.45)), (3, scenes.frontal)])
    (event,) = analyze_video(video).events
    assert event.type == EventType.LOOKING_AWAY
    assert event.start_s == pytest.approx(4.0, abs=1.0)
    assert event.end_s == pytest.approx(9.0, abs=1.0)


def test_far_turn_that_mediapipe_loses_is_looking_away(make_video: VideoMaker, scenes: Scenes) -> None:
    segments = [(4, scenes.astronaut), (5, scenes.astronaut_turned_far), (3, scenes.astronaut)]
    (event,) = analyze_video(make_video("far_turn", segments)).events
    assert event.type == EventType.LOOKING_AWAY
    assert event.start_s == pytest.approx(4.0, abs=1.0)
    assert event.end_s == pytest.approx(9.0, abs=1.0)


def test_leaning_partly_out_of_frame_is_no_event(make_video: VideoMaker, scenes: Scenes) -> None:
    segments = [(4, scenes.frontal), (6, scenes.leaning_out), (4, scenes.frontal)]
    result = analyze_video(make_video("leaning_out", segments))
    assert result.events == [] and result.integrity_score == 100.0


def test_empty_kitchen_a_weak_detection_sees_a_face_in_is_no_face(scenes: Scenes) -> None:
    frontal = cv2.imencode(".jpg", scenes.frontal)[1].tobytes()
    kitchen = cv2.imencode(".jpg", scenes.kitchen)[1].tobytes()
    analyzer = IncrementalAnalyzer(sample_fps=2.0)
    for index in range(24):
        analyzer.feed_jpeg(kitchen if 8 <= index < 20 else frontal, index * 0.5)
    (event,) = analyzer.finish().events
    assert (event.type, event.start_s, event.end_s) == (EventType.NO_FACE, 4.0, 10.0)
    assert event.confidence == pytest.approx(0.7)  # MediaPipe saw a face: not a confirmed absence


def test_browser_events_join_the_video_timeline_and_cost_score(
    make_video: VideoMaker, scenes: Scenes, clean: AnalysisResult
) -> None:
    browser = [
        BrowserEvent(type="tab_hidden", start_s=3.0, end_s=6.0),  # type: ignore[arg-type]
        BrowserEvent(type="paste", start_s=7.5),  # type: ignore[arg-type]
    ]
    result = analyze_video(make_video("clean_browser", [(12, scenes.frontal)]), browser_events=browser)
    assert _types(result) == [EventType.TAB_HIDDEN, EventType.PASTE]
    # tab_hidden: 4 + 1.5 * 25% = 41.5; paste: 5
    assert result.integrity_score == pytest.approx(100 - 41.5 - 5)
    assert result.integrity_score < clean.integrity_score
    assert result.flagged


def test_live_jpeg_frames_match_the_video_path(scenes: Scenes) -> None:
    frontal = cv2.imencode(".jpg", scenes.frontal)[1].tobytes()
    empty = cv2.imencode(".jpg", scenes.empty)[1].tobytes()
    analyzer = IncrementalAnalyzer(sample_fps=2.0)
    for index in range(24):
        analyzer.feed_jpeg(empty if 8 <= index < 16 else frontal, index * 0.5)
    analyzer.add_browser_events([BrowserEvent(type="copy", start_s=1.0)])  # type: ignore[arg-type]
    result = analyzer.finish()
    assert result.duration_s == 12.0 and result.frames_analyzed == 24
    assert [(e.type, e.start_s, e.end_s) for e in result.events] == [
        (EventType.COPY, 1.0, 1.0),
        (EventType.NO_FACE, 4.0, 8.0),
    ]


def test_live_frames_out_of_order_are_refused(scenes: Scenes) -> None:
    with IncrementalAnalyzer() as analyzer:
        analyzer.feed(scenes.frontal, 1.0)
        with pytest.raises(FramesOutOfOrder):
            analyzer.feed(scenes.frontal, 0.5)


def test_bad_video_files_are_refused(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(range(256)) * 8)
    empty = tmp_path / "empty.mp4"
    empty.touch()
    for bad in (corrupt, empty):
        with pytest.raises(UnreadableVideo):
            analyze_video(bad)


@pytest.mark.parametrize(
    ("length_s", "parts", "spans"),
    [
        (3600.0, 2, [(0.0, 1800.0), (1800.0, None)]),
        (150.0, 2, [(0.0, 60.0), (60.0, None)]),
        (45.0, 4, [(0.0, None)]),
        (None, 2, [(0.0, None)]),
        (600.0, 1, [(0.0, None)]),
    ],
)
def test_ranges_start_where_tracking_restarts(length_s, parts, spans) -> None:
    assert split(length_s, parts, segment_s=60.0) == spans
