"""Uploaded recordings are analysed by a real Celery worker, with progress on the session."""

from pathlib import Path

import pytest
from exam_setup import Exam, as_owner, await_analysis
from proctoring_media import Scenes, soundtrack, speech, write_h264, write_video


@pytest.mark.usefixtures("celery_worker")
def test_uploaded_video_is_analysed_with_progress_and_held(
    exam: Exam, scenes: Scenes, tmp_path: Path
) -> None:
    video = write_video(tmp_path / "exam.avi", [(4, scenes.frontal), (6, scenes.empty), (4, scenes.frontal)])
    session_id = exam.start_session("video")
    exam.submit()
    upload = exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/video",
        content=video.read_bytes(),
        headers={**exam.student, "Content-Type": "video/x-msvideo"},
    )
    assert upload.status_code == 202, upload.text
    assert upload.json()["status"] == "analyzing"
    again = exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/video",
        content=video.read_bytes(),
        headers={**exam.student, "Content-Type": "video/x-msvideo"},
    )
    assert again.status_code == 409

    session = await_analysis(exam, session_id)
    assert session["status"] == "completed", session
    assert session["frames_total"] == session["frames_processed"] == 28
    assert session["duration_s"] == 14.0 and session["flagged"] is True
    assert session["audio_checked"] is False  # an .avi without sound: speech not checked
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    (event,) = timeline["events"]
    assert event["type"] == "no_face" and 3.5 <= event["start_s"] <= 4.5 and 9.5 <= event["end_s"] <= 10.5
    evidence = exam.client.get(event["evidence_url"], headers=exam.proctor)
    assert evidence.status_code == 200 and evidence.content.startswith(b"\xff\xd8")
    assert exam.certificates()[0]["status"] == "held"


@pytest.mark.usefixtures("celery_worker")
def test_speech_on_an_uploaded_recording_is_on_the_timeline(
    exam: Exam, scenes: Scenes, tmp_path: Path
) -> None:
    voice = speech("Psst. The answer to question three is forty two, and question four is photosynthesis.")
    track = soundtrack(16.0, [(5.0, voice)])
    video = write_h264(tmp_path / "talking.mp4", [(16, scenes.frontal)], audio=track)
    session_id = exam.start_session("video")
    exam.submit()
    upload = exam.api("POST", f"/proctoring/sessions/{session_id}/video", content=video.read_bytes(),
                      headers={**exam.student, "Content-Type": "video/mp4"})
    assert upload.status_code == 202, upload.text

    session = await_analysis(exam, session_id)
    assert session["status"] == "completed" and session["audio_checked"] is True, session
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    (event,) = timeline["events"]
    assert event["type"] == "speech_detected" and event["source"] == "audio"
    assert 5.0 <= event["start_s"] <= 6.2 and event["evidence_url"] is None  # espeak opens with a pause
    assert 70 < session["integrity_score"] < 100 and session["flagged"] is False


def test_a_recording_that_cannot_be_decoded_fails_the_session(exam: Exam) -> None:
    from cognify.storage import get_store
    from proctoring.tasks import analyze_video

    session_id = exam.start_session("video")
    key = f"{exam.tenant_id}/proctoring/{session_id}/video"
    get_store().put(key, b"\x00" * 4096)
    as_owner(exam.tenant_id,
             "UPDATE proctoring_sessions SET video_key = :k, status = 'analyzing' WHERE id = :s",
             k=key, s=session_id)
    assert analyze_video(str(exam.tenant_id), session_id) == "failed"
    session = exam.api("GET", f"/proctoring/sessions/{session_id}").json()
    assert session["status"] == "failed" and session["error"] == "not a readable video"
    assert analyze_video(str(exam.tenant_id), session_id) == "skipped"
