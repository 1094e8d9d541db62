"""Enrolment photos over the API, and an uploaded recording checked against one by the worker."""

from pathlib import Path

import pytest
from exam_setup import Exam, add_user, as_owner, await_analysis, jpeg
from matplotlib import get_data_path
from proctoring_media import Scenes, write_video

HOPPER = (Path(get_data_path()) / "sample_data" / "grace_hopper.jpg").read_bytes()
CONSENT = {"purpose": "biometric_identity", "granted": True, "text_version": "bio-1"}


def _put(exam: Exam, data: bytes, headers=None, user=None):
    return exam.api("PUT", f"/proctoring/enrolments/{user or exam.student_id}", content=data,
                    headers={**(headers or exam.student), "Content-Type": "image/jpeg"})


def test_an_enrolment_photo_needs_consent_one_face_and_the_right_person(exam: Exam, scenes: Scenes) -> None:
    refused = _put(exam, HOPPER)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "consent_required"
    assert exam.api("POST", "/privacy/consents", json=CONSENT).status_code == 201
    empty = _put(exam, jpeg(scenes.empty))
    assert empty.status_code == 422 and empty.json()["error"]["details"] == {"faces": 0}
    garbage = _put(exam, b"not a jpeg")
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "unreadable_photo"
    assert exam.api("GET", f"/proctoring/enrolments/{exam.student_id}").status_code == 404

    _, classmate = add_user(exam.tenant_id, "student")
    assert _put(exam, HOPPER, headers=classmate).status_code == 403
    assert exam.api("GET", f"/proctoring/enrolments/{exam.student_id}", headers=classmate).status_code == 403

    stored = _put(exam, HOPPER)
    assert stored.status_code == 200, stored.text
    photo = exam.client.get(stored.json()["photo_url"], headers=exam.proctor)
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
    assert _put(exam, HOPPER, headers=exam.proctor).status_code == 200  # a proctor may replace it
    assert exam.api("DELETE", f"/proctoring/enrolments/{exam.student_id}").status_code == 204
    assert exam.api("GET", f"/proctoring/enrolments/{exam.student_id}").status_code == 404


@pytest.mark.usefixtures("celery_worker")
def test_a_recording_of_someone_else_is_an_identity_mismatch(
    exam: Exam, scenes: Scenes, tmp_path: Path
) -> None:
    assert exam.api("POST", "/privacy/consents", json=CONSENT).status_code == 201
    assert _put(exam, HOPPER).status_code == 200
    video = write_video(tmp_path / "swap.avi", [(10, scenes.frontal), (40, scenes.astronaut)])
    session_id = exam.start_session("video")
    exam.submit()
    upload = exam.api("POST", f"/proctoring/sessions/{session_id}/video", content=video.read_bytes(),
                      headers={**exam.student, "Content-Type": "video/x-msvideo"})
    assert upload.status_code == 202, upload.text

    session = await_analysis(exam, session_id)
    assert session["status"] == "completed" and session["identity_checked"] is True, session
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    (event,) = [event for event in timeline["events"] if event["type"] == "identity_mismatch"]
    # checks every 10 s: 10 s and 20 s show someone else, so the event opens at the second
    assert event["start_s"] == 20.0 and event["end_s"] == 50.0 and event["evidence_url"]
    assert session["flagged"] is True


def test_live_frames_are_checked_once_per_interval_and_a_stranger_is_a_mismatch(
    exam: Exam, scenes: Scenes
) -> None:
    assert exam.api("POST", "/privacy/consents", json=CONSENT).status_code == 201
    assert _put(exam, HOPPER).status_code == 200
    session_id = exam.start_session("live")
    # 1 frame/s: the enrolled student for 12 s, then someone else for 28 s
    exam.post_frames(session_id, [(12, scenes.frontal), (28, scenes.astronaut)], fps=1.0)
    checks = as_owner(exam.tenant_id, "SELECT t, identity_distance FROM proctoring_frame_signals "
                      "WHERE session_id = :sid AND identity_distance IS NOT NULL ORDER BY t", sid=session_id)
    assert [t for t, _ in checks] == [0.0, 10.0, 20.0, 30.0]  # the first frame of every 10 s
    assert [distance > 0.6 for _, distance in checks] == [False, False, True, True]
    finished = exam.api("POST", f"/proctoring/sessions/{session_id}/finish").json()
    assert finished["identity_checked"] is True and finished["flagged"] is True
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    (event,) = [event for event in timeline["events"] if event["type"] == "identity_mismatch"]
    assert event["start_s"] == 30.0 and event["evidence_url"]


def test_withdrawing_the_biometric_consent_stops_the_checks(exam: Exam, scenes: Scenes) -> None:
    assert exam.api("POST", "/privacy/consents", json=CONSENT).status_code == 201
    assert _put(exam, HOPPER).status_code == 200
    withdrawn = {**CONSENT, "granted": False}
    assert exam.api("POST", "/privacy/consents", json=withdrawn).status_code == 201
    session_id = exam.start_session("live")
    exam.post_frames(session_id, [(3, scenes.astronaut)], fps=1.0)
    finished = exam.api("POST", f"/proctoring/sessions/{session_id}/finish").json()
    assert finished["identity_checked"] is False
