"""Who may do what: students drive their own session only; proctors review only their tenant."""

from collections.abc import Callable

from exam_setup import Exam, add_user
from proctoring_media import Scenes

DECISION = {"decision": "cleared", "note": "fine"}


def _flagged(exam: Exam, scenes: Scenes) -> tuple[str, str]:
    session_id = exam.start_session()
    exam.post_frames(session_id, [(4, scenes.two_faces)])
    assert exam.api("POST", f"/proctoring/sessions/{session_id}/finish").json()["flagged"] is True
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    (event,) = timeline["events"]
    return session_id, event["id"]


def test_students_cannot_read_the_queue_timeline_or_evidence(exam: Exam, scenes: Scenes) -> None:
    session_id, event_id = _flagged(exam, scenes)
    for path in (
        "/proctoring/review-queue",
        f"/proctoring/sessions/{session_id}/timeline",
        f"/proctoring/sessions/{session_id}/evidence/{event_id}",
    ):
        response = exam.api("GET", path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    decided = exam.api("POST", f"/proctoring/sessions/{session_id}/decision", json=DECISION)
    assert decided.status_code == 403
    assert exam.api("GET", f"/proctoring/sessions/{session_id}").json()["flagged"] is True
    assert (
        exam.api(
            "GET", f"/proctoring/sessions/{session_id}/evidence/{event_id}", headers=exam.owner
        ).status_code
        == 200
    )


def test_another_tenants_proctor_gets_404(
    exam: Exam, exam_factory: Callable[..., Exam], scenes: Scenes
) -> None:
    session_id, event_id = _flagged(exam, scenes)
    other = exam_factory()
    for path in (
        f"/proctoring/sessions/{session_id}/timeline",
        f"/proctoring/sessions/{session_id}",
        f"/proctoring/sessions/{session_id}/evidence/{event_id}",
    ):
        assert other.api("GET", path, headers=other.proctor).status_code == 404, path
    decided = other.api(
        "POST", f"/proctoring/sessions/{session_id}/decision", headers=other.proctor, json=DECISION
    )
    assert decided.status_code == 404
    queue = other.api("GET", "/proctoring/review-queue", headers=other.proctor).json()
    assert queue == {"data": [], "count": 0}


def test_only_the_student_sitting_the_attempt_drives_its_session(exam: Exam, scenes: Scenes) -> None:
    teacher_start = exam.api(
        "POST", "/proctoring/sessions", headers=exam.proctor, json={"attempt_id": exam.attempt_id}
    )
    assert teacher_start.status_code == 403
    _, classmate = add_user(exam.tenant_id, "student")
    stranger = exam.api(
        "POST", "/proctoring/sessions", headers=classmate, json={"attempt_id": exam.attempt_id}
    )
    assert stranger.status_code == 404
    session_id = exam.start_session()
    again = exam.api("POST", "/proctoring/sessions", json={"attempt_id": exam.attempt_id})
    assert again.status_code == 409 and again.json()["error"]["details"]["session_id"] == session_id
    for path in ("finish", "events"):
        response = exam.api(
            "POST",
            f"/proctoring/sessions/{session_id}/{path}",
            headers=classmate,
            json={"events": [{"type": "copy", "start_s": 1}]},
        )
        assert response.status_code == 404, path
    assert exam.api("GET", f"/proctoring/sessions/{session_id}", headers=classmate).status_code == 404


def test_a_non_proctored_attempt_has_no_session(exam_factory: Callable[..., Exam]) -> None:
    exam = exam_factory(proctored=False)
    response = exam.api("POST", "/proctoring/sessions", json={"attempt_id": exam.attempt_id})
    assert response.status_code == 422
