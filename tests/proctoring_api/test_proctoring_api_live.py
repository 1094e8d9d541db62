"""The live proctor view's API: cards of sessions in progress, pushed over Redis; notes; ending for cause."""

import json
import time
from collections.abc import Callable
from uuid import UUID

from exam_setup import Exam, add_user, jpeg
from proctoring_media import Scenes

from cognify.redis import get_redis
from proctoring.live import channel

TAB = {"events": [{"type": "tab_hidden", "start_s": 1.0, "end_s": 2.5}, {"type": "paste", "start_s": 2.0}]}


def _frame(exam: Exam, session_id: str, t: float, image) -> int:
    return exam.api("POST", f"/proctoring/sessions/{session_id}/frames", params={"t": t}, content=jpeg(image),
                    headers={**exam.student, "Content-Type": "image/jpeg"}).status_code


def test_live_cards_show_current_flags_and_browser_events(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session()
    t = exam.post_frames(session_id, [(2, scenes.frontal), (3, scenes.two_faces)])
    assert exam.api("POST", f"/proctoring/sessions/{session_id}/events", json=TAB).status_code == 201
    (card,) = exam.api("GET", "/proctoring/live", headers=exam.proctor).json()
    assert card["session_id"] == session_id and card["live"] is True
    assert card["flags"] == ["multiple_faces"] and card["browser"] == {"tab_hidden": 1, "paste": 1}
    assert card["frames_processed"] == 10 and card["t"] == t - 0.5

    for i in range(6):  # the second face leaves: its flag clears once the gap exceeds max_gap_s
        assert _frame(exam, session_id, t + i / 2, scenes.frontal) == 200
    (card,) = exam.api("GET", "/proctoring/live", headers=exam.proctor).json()
    assert card["flags"] == []
    assert exam.api("GET", "/proctoring/live").status_code == 403  # the student

    assert exam.api("POST", f"/proctoring/sessions/{session_id}/finish").status_code == 200
    assert exam.api("GET", "/proctoring/live", headers=exam.proctor).json() == []


def test_every_frame_publishes_the_card_to_the_tenant_channel_at_once(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session()
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(exam.tenant_id))
    try:
        pubsub.get_message(timeout=1.0)
        posted = time.monotonic()
        assert _frame(exam, session_id, 0.0, scenes.two_faces) == 200
        message = pubsub.get_message(timeout=2.0)
        assert message is not None and time.monotonic() - posted < 2.0
        card = json.loads(message["data"])
        assert card["session_id"] == session_id and card["t"] == 0.0 and card["frames_processed"] == 1
    finally:
        pubsub.close()


def test_notes_are_for_proctors_and_stamped_with_the_session_time(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session()
    exam.post_frames(session_id, [(2, scenes.frontal)])
    path = f"/proctoring/sessions/{session_id}/notes"
    note = exam.api("POST", path, headers=exam.proctor, json={"body": "Looked at the door twice."})
    assert note.status_code == 201, note.text
    assert note.json()["t"] == 1.5
    assert exam.api("POST", path, json={"body": "me"}).status_code == 403
    _, parent = add_user(exam.tenant_id, "parent")
    assert exam.api("POST", path, headers=parent, json={"body": "me"}).status_code == 403
    assert exam.api("GET", "/proctoring/live", headers=parent).status_code == 403
    empty = exam.api("POST", path, headers=exam.proctor, json={"body": ""})
    assert empty.status_code == 422
    assert exam.api("POST", path, headers=exam.proctor, json={"body": "x", "author_id": str(exam.student_id)}
                    ).status_code == 422
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    (kept,) = timeline["notes"]
    assert kept["body"] == "Looked at the door twice." and kept["author_id"] != str(exam.student_id)


def test_a_proctor_ends_a_session_for_cause(exam_factory: Callable[..., Exam], scenes: Scenes) -> None:
    exam = exam_factory()
    session_id = exam.start_session()
    t = exam.post_frames(session_id, [(4, scenes.frontal)])
    end = f"/proctoring/sessions/{session_id}/end"
    assert exam.api("POST", end, json={"reason": "phone"}).status_code == 403  # not the student
    other = exam_factory()
    other_tenant = exam.api("POST", end, headers=other.proctor, json={"reason": "x"})
    assert other_tenant.status_code == 404
    assert exam.api("POST", end, headers=exam.proctor, json={}).status_code == 422

    ended = exam.api("POST", end, headers=exam.proctor, json={"reason": "A phone on the desk"})
    assert ended.status_code == 200, ended.text
    body = ended.json()
    assert body["status"] == "completed" and body["flagged"] is True
    assert body["ended_reason"] == "A phone on the desk" and body["integrity_score"] == 100.0
    proctor_id = UUID(body["ended_by"])
    assert proctor_id != exam.student_id

    closed = exam.api("POST", f"/proctoring/sessions/{session_id}/frames", params={"t": t}, content=jpeg(
        scenes.frontal), headers={**exam.student, "Content-Type": "image/jpeg"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "session_closed"
    again = exam.api("POST", end, headers=exam.proctor, json={"reason": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "session_not_live"
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    notes = [note["body"] for note in timeline["notes"]]
    assert notes == ["Ended the session for cause: A phone on the desk"]
    queue = exam.api("GET", "/proctoring/review-queue", headers=exam.proctor).json()
    assert [item["session_id"] for item in queue["data"]] == [session_id]
    exam.submit()
    assert exam.certificates()[0]["status"] == "held"  # until a proctor decides

