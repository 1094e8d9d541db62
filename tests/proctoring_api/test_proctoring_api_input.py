"""Bad input: wrong content types, empty and oversized bodies, undecodable media, time going back."""

import numpy as np
from exam_setup import Exam, jpeg
from proctoring_media import Scenes


def _frame(exam: Exam, session_id: str, data: bytes, t: float | None, content_type: str = "image/jpeg"):
    params = {} if t is None else {"t": t}
    return exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/frames",
        params=params,
        content=data,
        headers={**exam.student, "Content-Type": content_type},
    )


def test_frames_refuse_bad_bodies_and_time_going_back(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session()
    good = jpeg(scenes.frontal)
    assert _frame(exam, session_id, good, 0.0).status_code == 200
    wrong_type = _frame(exam, session_id, good, 0.5, "application/json")
    assert wrong_type.status_code == 415 and wrong_type.json()["error"]["code"] == "unsupported_media_type"
    oversized = _frame(exam, session_id, b"\xff" * (2 * 1024 * 1024 + 1), 0.5)
    assert oversized.status_code == 413
    assert _frame(exam, session_id, b"", 0.5).json()["error"]["code"] == "empty_body"
    corrupt = _frame(exam, session_id, b"\xff\xd8\xff\xe0 not really a jpeg", 0.5)
    assert corrupt.status_code == 422 and corrupt.json()["error"]["code"] == "unreadable_frame"
    assert _frame(exam, session_id, good, None).status_code == 422
    assert _frame(exam, session_id, good, -1).status_code == 422
    assert _frame(exam, session_id, good, 1.0).status_code == 200
    for t in (1.0, 0.5):
        late = _frame(exam, session_id, good, t)
        assert late.status_code == 409 and late.json()["error"]["code"] == "frame_out_of_order"
    session = exam.api("GET", f"/proctoring/sessions/{session_id}").json()
    assert session["frames_processed"] == 2


def test_browser_events_are_validated(exam: Exam) -> None:
    session_id = exam.start_session()
    for body in (
        {"events": [{"type": "screenshot", "start_s": 1}]},
        {"events": [{"type": "copy", "start_s": 5, "end_s": 2}]},
        {"events": []},
    ):
        assert exam.api("POST", f"/proctoring/sessions/{session_id}/events", json=body).status_code == 422


def test_video_uploads_refuse_bad_bodies(exam: Exam, scenes: Scenes) -> None:
    session_id = exam.start_session("video")
    path = f"/proctoring/sessions/{session_id}/video"
    empty = exam.api("POST", path, content=b"", headers={**exam.student, "Content-Type": "video/x-msvideo"})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty_body"
    as_image = exam.api(
        "POST", path, content=jpeg(scenes.frontal), headers={**exam.student, "Content-Type": "image/jpeg"}
    )
    assert as_image.status_code == 415
    noise = np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    corrupt = exam.api(
        "POST",
        path,
        content=b"RIFF\x00\x00\x00\x00AVI " + noise,
        headers={**exam.student, "Content-Type": "video/x-msvideo"},
    )
    assert corrupt.status_code == 422 and corrupt.json()["error"]["code"] == "unreadable_video"
    frames = exam.api(
        "POST",
        f"/proctoring/sessions/{session_id}/frames",
        params={"t": 0},
        content=jpeg(scenes.frontal),
        headers={**exam.student, "Content-Type": "image/jpeg"},
    )
    assert frames.status_code == 409 and frames.json()["error"]["code"] == "wrong_session_source"
    assert exam.api("GET", f"/proctoring/sessions/{session_id}").json()["status"] == "open"
