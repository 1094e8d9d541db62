"""Assessments and attempts: answer keys, auto-grading, time limits, one open attempt, ownership."""

from typing import Any

from tests.lms.conftest import QUESTIONS, School, as_owner, count


def _exam(school: School, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    course = school.course()
    school.enroll(course["id"])
    body = {
        "course_id": course["id"],
        "title": "Final",
        "type": "exam",
        "questions": QUESTIONS,
        "pass_score": 60,
    } | fields
    return course, school.post("/assessments", body, headers=school.teacher)


def _start(school: School, assessment_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return school.post(f"/assessments/{assessment_id}/attempts", {}, headers=headers or school.student)


def test_assessment_crud_and_answer_keys(school: School) -> None:
    c = school.client
    course, exam = _exam(school, proctored=True, time_limit=30)
    assert exam["questions"][0]["answer"] == 1
    student_view = c.get(f"/api/v1/assessments/{exam['id']}", headers=school.student).json()
    assert all("answer" not in q for q in student_view["questions"]) and len(student_view["questions"]) == 4
    listed = c.get(f"/api/v1/assessments?course_id={course['id']}&type=exam", headers=school.student).json()
    assert listed["count"] == 1 and "answer" not in listed["data"][0]["questions"][0]
    other_view = c.get(f"/api/v1/assessments/{exam['id']}", headers=school.other_teacher).json()
    assert "answer" not in other_view["questions"][0]
    assert c.get(f"/api/v1/assessments/{exam['id']}", headers=school.other_student).status_code == 404
    assert c.get(f"/api/v1/assessments/{exam['id']}", headers=school.parent).status_code == 404
    assert c.get("/api/v1/assessments?proctored=false", headers=school.owner).json()["count"] == 0

    for headers, status in ((school.student, 403), (school.other_teacher, 403)):
        assert (
            c.post(
                "/api/v1/assessments", json={"course_id": course["id"], "title": "X"}, headers=headers
            ).status_code
            == status
        )
        assert (
            c.patch(f"/api/v1/assessments/{exam['id']}", json={"title": "X"}, headers=headers).status_code
            == 403
        )
        assert c.delete(f"/api/v1/assessments/{exam['id']}", headers=headers).status_code == 403
    changed = c.patch(f"/api/v1/assessments/{exam['id']}", json={"pass_score": 75}, headers=school.teacher)
    assert changed.status_code == 200 and changed.json()["pass_score"] == 75
    assert c.delete(f"/api/v1/assessments/{exam['id']}", headers=school.owner).status_code == 204
    assert c.get(f"/api/v1/assessments/{exam['id']}", headers=school.owner).status_code == 404


def test_bad_assessment_input_writes_nothing(school: School) -> None:
    c = school.client
    course = school.course()
    bad_questions = [
        [{"id": "q", "type": "single_choice", "prompt": "?", "options": ["a", "b"], "answer": 5}],
        [{"id": "q", "type": "essay", "prompt": "?", "answer": "x"}],
        [{"id": "q", "type": "true_false", "prompt": "?", "answer": "yes"}],
        [QUESTIONS[0], QUESTIONS[0]],
        [{"id": "q", "type": "true_false", "prompt": "?", "answer": True, "hint": "no"}],
        [{"id": "q", "type": "multiple_choice", "prompt": "?", "options": ["a", "b"], "answer": [[0]]}],
    ]
    for questions in bad_questions:
        response = c.post(
            "/api/v1/assessments",
            json={"course_id": course["id"], "title": "T", "questions": questions},
            headers=school.owner,
        )
        assert response.status_code == 422 and "questions" in response.json()["error"]["message"], (
            response.text
        )
    for extra, name in [
        ({"pass_score": 101}, "pass_score"),
        ({"time_limit": 0}, "time_limit"),
        ({"late_policy": "shrug"}, "late_policy"),
        ({"secret": 1}, "secret"),
    ]:
        response = c.post(
            "/api/v1/assessments",
            json={"course_id": course["id"], "title": "T"} | extra,
            headers=school.owner,
        )
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert count(school.tenant_id, "assessments") == 0
    exam = school.post("/assessments", {"course_id": course["id"], "title": "T", "questions": QUESTIONS})
    for body, name in [
        ({"questions": bad_questions[0]}, "questions"),
        ({"title": None}, "title"),
        ({"course_id": course["id"]}, "course_id"),
    ]:
        response = c.patch(f"/api/v1/assessments/{exam['id']}", json=body, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    stored = c.get(f"/api/v1/assessments/{exam['id']}", headers=school.owner).json()["questions"]
    assert [(q["id"], q["answer"]) for q in stored] == [(q["id"], q["answer"]) for q in QUESTIONS]


def test_auto_grading_and_attempt_rules(school: School) -> None:
    c = school.client
    _, exam = _exam(school, proctored=True)
    attempt = _start(school, exam["id"])
    assert attempt["status"] == "in_progress" and attempt["proctored"] is True and attempt["deadline"] is None
    again = c.post(f"/api/v1/assessments/{exam['id']}/attempts", headers=school.student)
    assert again.status_code == 409 and again.json()["error"]["code"] == "attempt_in_progress"
    assert c.post(f"/api/v1/assessments/{exam['id']}/attempts", headers=school.teacher).status_code == 403

    submit = f"/api/v1/attempts/{attempt['id']}/submit"
    assert c.post(submit, json={"answers": {"q1": 1}}, headers=school.other_student).status_code == 404
    assert c.post(submit, json={"answers": {"q1": 1}}, headers=school.teacher).status_code == 403
    assert c.post(submit, json={"answers": {"q1": 1}}, headers=school.parent).status_code == 403
    for answers, name in [
        ({"q9": 1}, "answers.q9"),
        ({"q1": "four"}, "answers.q1"),
        ({"q3": 1}, "answers.q3"),
    ]:
        response = c.post(submit, json={"answers": answers}, headers=school.student)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert c.post(submit, json={"answers": {}, "score": 100}, headers=school.student).status_code == 422
    saved = c.patch(f"/api/v1/attempts/{attempt['id']}", json={"answers": {"q1": 1}}, headers=school.student)
    assert saved.status_code == 200 and saved.json()["answers"] == {"q1": 1} and saved.json()["score"] is None

    graded = c.post(
        submit, json={"answers": {"q2": [1, 0], "q3": False, "q4": "  paris "}}, headers=school.student
    )
    assert graded.status_code == 200, graded.text
    result = graded.json()
    assert result["score"] == 80.0 and result["passed"] is True and result["status"] == "submitted"
    assert result["late"] is False and result["submitted_at"]
    assert c.post(submit, json={"answers": {}}, headers=school.student).status_code == 409

    second = _start(school, exam["id"])
    failed = c.post(
        f"/api/v1/attempts/{second['id']}/submit", json={"answers": {"q1": 0}}, headers=school.student
    )
    assert failed.json()["score"] == 0.0 and failed.json()["passed"] is False

    mine = c.get(f"/api/v1/assessments/{exam['id']}/attempts?passed=true", headers=school.student).json()
    assert mine["count"] == 1 and mine["data"][0]["id"] == attempt["id"]
    assert c.get("/api/v1/attempts?sort=score", headers=school.parent).json()["count"] == 2
    assert c.get("/api/v1/attempts", headers=school.other_student).json()["count"] == 0
    assert c.get("/api/v1/attempts", headers=school.other_teacher).json()["count"] == 0
    assert (
        c.get(f"/api/v1/attempts?student_id={school.student_id}", headers=school.teacher).json()["count"] == 2
    )
    assert c.get(f"/api/v1/attempts/{attempt['id']}", headers=school.other_student).status_code == 404
    assert c.delete(f"/api/v1/attempts/{attempt['id']}", headers=school.student).status_code == 403
    assert c.delete(f"/api/v1/attempts/{attempt['id']}", headers=school.teacher).status_code == 204
    assert c.get(f"/api/v1/attempts/{attempt['id']}", headers=school.student).status_code == 404


def test_only_enrolled_students_take_published_assessments(school: School) -> None:
    _, exam = _exam(school)
    response = school.client.post(f"/api/v1/assessments/{exam['id']}/attempts", headers=school.other_student)
    assert response.status_code == 404
    assert count(school.tenant_id, "assessment_attempts") == 0


def _backdate(school: School, attempt_id: str, minutes: int) -> None:
    as_owner(
        school.tenant_id,
        "UPDATE assessment_attempts SET started_at = now() - make_interval(mins => :m) WHERE id = :i",
        m=minutes,
        i=attempt_id,
    )


def test_time_limit_refuses_late_submission(school: School) -> None:
    c = school.client
    _, exam = _exam(school, time_limit=30, late_policy="refuse")
    attempt = _start(school, exam["id"])
    assert attempt["deadline"] is not None
    _backdate(school, attempt["id"], 31)
    late = c.post(
        f"/api/v1/attempts/{attempt['id']}/submit", json={"answers": {"q1": 1}}, headers=school.student
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "time_limit_exceeded"
    assert "30 minutes" in late.json()["error"]["message"]
    stored = c.get(f"/api/v1/attempts/{attempt['id']}", headers=school.student).json()
    assert stored["status"] == "in_progress" and stored["score"] is None
    fresh = _start(school, exam["id"])
    assert c.get(f"/api/v1/attempts/{attempt['id']}", headers=school.student).json()["status"] == "expired"
    on_time = c.post(
        f"/api/v1/attempts/{fresh['id']}/submit", json={"answers": {"q1": 1}}, headers=school.student
    )
    assert on_time.status_code == 200 and on_time.json()["late"] is False


def test_time_limit_marks_late_submission(school: School) -> None:
    _, exam = _exam(school, time_limit=10, late_policy="mark_late")
    attempt = _start(school, exam["id"])
    _backdate(school, attempt["id"], 11)
    response = school.client.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        json={"answers": {"q1": 1, "q2": [0, 1], "q3": True, "q4": "Paris"}},
        headers=school.student,
    )
    assert response.status_code == 200, response.text
    assert response.json()["late"] is True and response.json()["score"] == 100.0
