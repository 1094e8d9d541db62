"""Identity against the enrolment photo: dlib's embedding on real faces, checks at intervals."""

from pathlib import Path

import cv2
import pytest
from matplotlib import get_data_path
from proctoring_media import Scenes, write_h264, write_video

from proctoring.detectors import BlockedReading, MediaPipeFaceDetector
from proctoring.detectors.face_identity import MATCH_DISTANCE, FaceEmbedder, distance
from proctoring.enrolment import embed_photo
from proctoring.events import EventType
from proctoring.pipeline import analyze_video
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.signals import ConditionEvaluator, FrameSignals

HOPPER_PHOTO = Path(get_data_path()) / "sample_data" / "grace_hopper.jpg"
QUICK = DetectorSettings(identity_interval_s=2.0)


@pytest.fixture(scope="module")
def hopper_enrolment() -> object:
    return embed_photo(HOPPER_PHOTO.read_bytes())[0]


def test_the_enrolled_face_matches_and_another_does_not(scenes: Scenes, hopper_enrolment) -> None:
    detector, embedder = MediaPipeFaceDetector("short_range", 0.5), FaceEmbedder()
    try:
        def seen(frame):
            return distance(hopper_enrolment, embedder.embed(frame, detector.detect(frame)[0]))

        assert seen(scenes.frontal) < MATCH_DISTANCE < seen(scenes.astronaut)
        assert seen(scenes.turned(0.2)) < MATCH_DISTANCE  # a slight turn is still her
    finally:
        detector.close()


def test_a_photo_without_exactly_one_face_is_refused(scenes: Scenes) -> None:
    from cognify.errors import ValidationFailed

    for frame, faces in ((scenes.empty, 0), (scenes.two_faces, 2)):
        ok, data = cv2.imencode(".jpg", frame)
        with pytest.raises(ValidationFailed) as refused:
            embed_photo(data.tobytes())
        assert refused.value.code == "enrolment_face_count" and refused.value.details == {"faces": faces}


def test_someone_else_taking_over_is_an_identity_mismatch(
    tmp_path: Path, scenes: Scenes, hopper_enrolment
) -> None:
    video = write_video(tmp_path / "swap.avi", [(8, scenes.frontal), (10, scenes.astronaut)])
    result = analyze_video(video, settings=QUICK, enrolment=hopper_enrolment)
    assert result.identity_checked is True
    (event,) = [event for event in result.events if event.type == EventType.IDENTITY_MISMATCH]
    # checks every 2 s: 8 s is the first that does not match, 10 s the second, which opens the event
    assert event.start_s == pytest.approx(10.0) and event.end_s == pytest.approx(18.0)
    assert event.confidence > 0.5 and event.evidence_jpeg
    assert result.flagged


def test_the_enrolled_student_throughout_raises_nothing(
    tmp_path: Path, scenes: Scenes, hopper_enrolment
) -> None:
    video = write_video(tmp_path / "same.avi", [(12, scenes.frontal)])
    result = analyze_video(video, settings=QUICK, enrolment=hopper_enrolment)
    assert result.events == [] and result.identity_checked is True


def test_without_an_enrolment_photo_identity_is_not_checked(tmp_path: Path, scenes: Scenes) -> None:
    video = write_video(tmp_path / "unchecked.avi", [(6, scenes.astronaut)])
    result = analyze_video(video, settings=QUICK)
    assert result.events == [] and result.identity_checked is False


def test_identity_events_are_the_same_when_the_recording_is_split(
    tmp_path: Path, scenes: Scenes, hopper_enrolment
) -> None:
    segments = [(14, scenes.frontal), (12, scenes.astronaut), (6, scenes.frontal)]
    video = write_h264(tmp_path / "swap.mp4", segments)
    one = analyze_video(video, settings=DetectorSettings(identity_interval_s=2, tracking_segment_s=10,
                                                         analysis_threads=1), enrolment=hopper_enrolment)
    split = analyze_video(video, settings=DetectorSettings(identity_interval_s=2, tracking_segment_s=10,
                                                           analysis_threads=3), enrolment=hopper_enrolment)
    assert EventType.IDENTITY_MISMATCH in {event.type for event in one.events}
    assert split.model_dump(exclude={"processing_s"}) == one.model_dump(exclude={"processing_s"})


def test_a_matching_check_or_the_face_leaving_ends_the_mismatch() -> None:
    evaluator = ConditionEvaluator(ProctoringPolicy())
    clear = BlockedReading(False, 50.0, 100.0, 0.0)

    def frame(t: float, faces: int = 1, distance_now: float | None = None) -> dict:
        return evaluator.evaluate(FrameSignals(t, faces, (0.9,) * faces, None, clear, False, distance_now))

    assert EventType.IDENTITY_MISMATCH not in frame(0, distance_now=0.8)  # one check is not sustained
    assert EventType.IDENTITY_MISMATCH not in frame(1)
    assert EventType.IDENTITY_MISMATCH in frame(2, distance_now=0.9)
    assert EventType.IDENTITY_MISMATCH in frame(3)  # held between checks
    assert EventType.IDENTITY_MISMATCH not in frame(4, distance_now=0.3)
    frame(5, distance_now=0.8)
    assert EventType.IDENTITY_MISMATCH in frame(6, distance_now=0.8)
    assert EventType.IDENTITY_MISMATCH not in frame(7, faces=0)
    assert EventType.IDENTITY_MISMATCH not in frame(8)
