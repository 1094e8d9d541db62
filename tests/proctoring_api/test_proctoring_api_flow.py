"""The full path: session -> frames, browser events -> finish -> score -> queue -> decision -> certificate."""

import time
from typing import Any

import cv2
import numpy as np
from exam_setup import Exam, as_owner, jpeg
from proctoring_media import Scenes

BROWSER = {
    "events": [{"type": "tab_hidden", "start_s": 3.0, "end_s": 6.0}, {"type": "paste", "start_s": 7.5}]
}


def _flagged_session(exam: Exam, scenes: Scenes, session_id: str | None = None) -> tuple[str, dict[str, Any]]:
    """A live session with a second face for 5 s and two browser events, finished."""
    session_id = session_id or exam.start_session()
    exam.post_frames(session_id, [(4, scenes.frontal), (5, scenes.two_faces), (4, scenes.frontal)])
    response = exam.api("POST", f"/proctoring/sessions/{session_id}/events", json=BROWSER)
    assert response.status_code == 201, response.text
    assert response.json() == {"accepted": 2}
    finished = exam.api("POST", f"/proctoring/sessions/{session_id}/finish")
    assert finished.status_code == 200, finished.text
    return session_id, finished.json()


def _await_email(exam: Exam) -> str:
    """The subject of the first email queued to the student by the worker's outbox relay."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = as_owner(exam.tenant_id, "SELECT subject FROM outbound_messages WHERE recipient = "
                        "(SELECT email FROM users WHERE id = :u)", u=exam.student_id)
        if rows:
            return str(rows[0][0])
        time.sleep(0.1)
    raise AssertionError("no email was queued to the student")


def _await_object(key: str) -> bytes:
    """An object the worker writes to storage, once it is there."""
    from cognify.errors import NotFound
    from cognify.storage import get_store

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            return get_store().get(key)
        except NotFound:
            time.sleep(0.1)
    raise AssertionError(f"{key} never appeared in object storage")


def _queue_ids(exam: Exam) -> list[str]:
    response = exam.api("GET", "/proctoring/review-queue", headers=exam.proctor)
    assert response.status_code == 200, response.text
    return [item["session_id"] for item in response.json()["data"]]


def test_flagged_session_is_held_then_cleared_and_certified(exam: Exam, scenes: Scenes) -> None:
    session_id, finished = _flagged_session(exam, scenes)
    assert finished["status"] == "completed" and finished["flagged"] is True
    assert finished["frames_processed"] == 26
    assert 0 <= finished["integrity_score"] < 100
    assert finished["duration_s"] == 13.0

    queue = exam.api("GET", "/proctoring/review-queue", headers=exam.proctor).json()
    (item,) = queue["data"]
    assert item["session_id"] == session_id and item["integrity_score"] == finished["integrity_score"]
    assert item["top_reasons"][0].startswith("multiple_faces at ")

    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor)
    assert timeline.status_code == 200 and timeline.headers["cache-control"] == "private, no-store"
    events = timeline.json()["events"]
    assert [(e["type"], e["source"]) for e in events] == [
        ("tab_hidden", "browser"),
        ("multiple_faces", "video"),
        ("paste", "browser"),
    ]
    faces = events[1]
    assert 3.0 <= faces["start_s"] <= 4.5 and 8.5 <= faces["end_s"] <= 9.5
    assert faces["penalty"] > 10 and faces["evidence_url"].endswith(faces["id"])
    assert events[0]["evidence_url"] is None

    frame = exam.client.get(faces["evidence_url"], headers=exam.proctor)
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/jpeg"
    assert frame.headers["cache-control"] == "private, no-store"
    image = cv2.imdecode(np.frombuffer(frame.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == scenes.two_faces.shape

    exam.submit()
    (held,) = exam.certificates()
    assert held["status"] == "held" and held["issued_at"] is None

    decision = exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/decision",
        headers=exam.proctor,
        json={"decision": "cleared", "note": "Second face was a poster; checked the room scan."},
    )
    assert decision.status_code == 200, decision.text
    assert decision.json()["decision"] == "cleared" and decision.json()["decided_at"]
    (issued,) = exam.certificates()
    assert issued["status"] == "issued" and issued["issued_at"]
    assert session_id not in _queue_ids(exam)

    stored = _await_object(f"{exam.tenant_id}/certificates/{issued['id']}.pdf")
    pdf = exam.api("GET", f"/certificates/{issued['id']}/pdf")
    assert pdf.content == stored
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/decision",
        headers=exam.proctor,
        json={"decision": "violation", "note": "Changed my mind"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"
    trail = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    assert trail["decision_note"].startswith("Second face") and trail["decided_by"]


def test_violation_withholds_the_certificate(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session()
    exam.submit()
    assert exam.certificates()[0]["status"] == "held"
    session_id, finished = _flagged_session(exam, scenes, session_id)
    assert finished["flagged"] is True
    assert exam.certificates()[0]["status"] == "held"
    decision = exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/decision",
        headers=exam.proctor,
        json={"decision": "violation", "note": "A second person answered questions."},
    )
    assert decision.status_code == 200, decision.text
    (withheld,) = exam.certificates()
    assert withheld["status"] == "withheld" and withheld["issued_at"] is None
    assert exam.api("GET", f"/certificates/{withheld['id']}/pdf").status_code == 409
    assert "withheld" in _await_email(exam)
    check = exam.client.get(f"/api/v1/certificates/verify/{withheld['verification_code']}").json()
    assert check["valid"] is False and check["status"] == "withheld"


def test_clean_session_certifies_with_no_human(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session()
    exam.post_frames(session_id, [(8, scenes.frontal)])
    exam.submit()
    assert exam.certificates()[0]["status"] == "held"  # proctoring not finished yet
    finished = exam.api("POST", f"/proctoring/sessions/{session_id}/finish").json()
    assert finished["flagged"] is False and finished["integrity_score"] == 100.0
    (certificate,) = exam.certificates()
    assert certificate["status"] == "issued"
    assert session_id not in _queue_ids(exam)
    decided = exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/decision",
        headers=exam.proctor,
        json={"decision": "violation", "note": "no"},
    )
    assert decided.status_code == 409 and decided.json()["error"]["code"] == "not_flagged"


def test_tenant_policy_overrides_the_defaults(exam: Exam, scenes: Scenes) -> None:
    from exam_setup import set_customizations

    set_customizations(exam.tenant_id, {"proctoring": {"always_flag": ["copy"]}})
    session_id = exam.start_session()
    exam.post_frames(session_id, [(4, scenes.frontal)])
    exam.api(
        "POST", f"/proctoring/sessions/{session_id}/events", json={"events": [{"type": "copy", "start_s": 1}]}
    )
    finished = exam.api("POST", f"/proctoring/sessions/{session_id}/finish").json()
    assert finished["integrity_score"] == 98.0 and finished["flagged"] is True
    assert session_id in _queue_ids(exam)


def test_a_session_with_too_little_video_is_flagged(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session()
    for t in (0.0, 30.0):
        response = exam.api("POST", f"/proctoring/sessions/{session_id}/frames", params={"t": t},
                            content=jpeg(scenes.frontal),
                            headers={**exam.student, "Content-Type": "image/jpeg"})
        assert response.status_code == 200
    finished = exam.api("POST", f"/proctoring/sessions/{session_id}/finish").json()
    assert finished["flagged"] is True and finished["integrity_score"] == 100.0
    queue = exam.api("GET", "/proctoring/review-queue", headers=exam.proctor).json()
    assert queue["data"][0]["top_reasons"] == ["video covers 3% of the session"]
    exam.submit()
    assert exam.certificates()[0]["status"] == "held"
