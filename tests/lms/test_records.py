"""Enrolments, certificates and progress: staff write, students and parents read their own."""

from tests.lms.conftest import QUESTIONS, School, count


def test_enrollments_crud_and_roles(school: School) -> None:
    c = school.client
    course, other = school.course(), school.course(title="Other", teacher_ids=[])
    mine = school.enroll(course["id"])
    theirs = school.post(
        "/enrollments", {"student_id": str(school.other_student_id), "course_id": other["id"]}
    )
    assert mine["status"] == "active" and mine["progress"] == 0
    again = c.post(
        "/api/v1/enrollments",
        json={"student_id": str(school.student_id), "course_id": course["id"]},
        headers=school.owner,
    )
    assert again.status_code == 409
    refused = c.post(
        "/api/v1/enrollments",
        json={"student_id": str(school.other_student_id), "course_id": course["id"]},
        headers=school.student,
    )
    assert refused.status_code == 403

    def ids(headers: dict[str, str], query: str = "") -> list[str]:
        return [e["id"] for e in c.get(f"/api/v1/enrollments{query}", headers=headers).json()["data"]]

    assert ids(school.student) == [mine["id"]] and ids(school.parent) == [mine["id"]]
    assert ids(school.teacher) == [mine["id"]] and ids(school.other_teacher) == []
    assert sorted(ids(school.owner)) == sorted([mine["id"], theirs["id"]])
    assert ids(school.owner, f"?course_id={other['id']}") == [theirs["id"]]
    assert ids(school.owner, f"?student_id={school.student_id}&status=active") == [mine["id"]]
    assert c.get(f"/api/v1/enrollments/{theirs['id']}", headers=school.teacher).status_code == 404
    assert c.get(f"/api/v1/enrollments/{theirs['id']}", headers=school.parent).status_code == 404
    assert c.get(f"/api/v1/enrollments/{mine['id']}", headers=school.parent).status_code == 200

    assert (
        c.patch(
            f"/api/v1/enrollments/{mine['id']}", json={"progress": 99}, headers=school.student
        ).status_code
        == 403
    )
    changed = c.patch(f"/api/v1/enrollments/{mine['id']}", json={"progress": 40}, headers=school.teacher)
    assert changed.status_code == 200 and changed.json()["progress"] == 40
    for body, name in [
        ({"progress": 101}, "progress"),
        ({"status": "paused"}, "status"),
        ({"grade": "A"}, "grade"),
    ]:
        response = c.patch(f"/api/v1/enrollments/{mine['id']}", json=body, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert c.delete(f"/api/v1/enrollments/{mine['id']}", headers=school.parent).status_code == 403
    assert c.delete(f"/api/v1/enrollments/{mine['id']}", headers=school.teacher).status_code == 204
    assert ids(school.student) == []


def test_bad_enrollment_input_writes_nothing(school: School) -> None:
    course = school.course()
    for body, name in [
        ({"student_id": str(school.student_id)}, "course_id"),
        ({"student_id": "x", "course_id": course["id"]}, "student_id"),
        ({"student_id": str(school.teacher_id), "course_id": course["id"]}, "student_id"),
        ({"student_id": str(school.student_id), "course_id": course["id"], "paid": True}, "paid"),
    ]:
        response = school.client.post("/api/v1/enrollments", json=body, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert count(school.tenant_id, "enrollments") == 0


def test_certificates_crud_roles_and_public_verification(school: School) -> None:
    c = school.client
    course = school.course()
    school.enroll(course["id"])
    exam = school.post("/assessments", {"course_id": course["id"], "title": "Final", "questions": QUESTIONS})
    attempt = school.post(f"/assessments/{exam['id']}/attempts", {}, headers=school.student)
    cert = school.post(
        "/certificates",
        {
            "user_id": str(school.student_id),
            "course_id": course["id"],
            "attempt_id": attempt["id"],
            "score": 91.5,
        },
        headers=school.teacher,
    )
    assert cert["status"] == "issued" and cert["issued_at"] and len(cert["verification_code"]) >= 20
    held = school.post(
        "/certificates",
        {"user_id": str(school.other_student_id), "course_id": course["id"], "status": "held"},
    )
    assert held["issued_at"] is None and held["verification_code"] != cert["verification_code"]

    public = c.get(f"/api/v1/certificates/verify/{cert['verification_code']}")
    assert public.status_code == 200 and public.json()["valid"] is True
    assert public.json()["course_title"] == course["title"] and "user_id" not in public.json()
    assert c.get("/api/v1/certificates/verify/no-such-code-123").status_code == 404

    def ids(headers: dict[str, str], query: str = "") -> list[str]:
        return [x["id"] for x in c.get(f"/api/v1/certificates{query}", headers=headers).json()["data"]]

    assert ids(school.student) == [cert["id"]] and ids(school.parent) == [cert["id"]]
    assert ids(school.other_student) == [held["id"]] and ids(school.other_teacher) == []
    assert ids(school.owner, "?status=held") == [held["id"]]
    assert ids(school.teacher, f"?user_id={school.student_id}&course_id={course['id']}") == [cert["id"]]
    assert c.get(f"/api/v1/certificates/{held['id']}", headers=school.student).status_code == 404

    for headers in (school.student, school.parent, school.other_teacher):
        assert c.patch(
            f"/api/v1/certificates/{cert['id']}", json={"status": "revoked"}, headers=headers
        ).status_code in (
            403,
            404,
        )
    released = c.patch(
        f"/api/v1/certificates/{held['id']}", json={"status": "issued"}, headers=school.teacher
    )
    assert released.status_code == 200 and released.json()["issued_at"]
    c.patch(f"/api/v1/certificates/{cert['id']}", json={"status": "revoked"}, headers=school.owner)
    assert c.get(f"/api/v1/certificates/verify/{cert['verification_code']}").json()["valid"] is False
    assert c.delete(f"/api/v1/certificates/{cert['id']}", headers=school.student).status_code == 403
    assert c.delete(f"/api/v1/certificates/{cert['id']}", headers=school.teacher).status_code == 204
    assert c.get(f"/api/v1/certificates/{cert['id']}", headers=school.owner).status_code == 404


def test_bad_certificate_input_writes_nothing(school: School) -> None:
    course = school.course()
    base = {"user_id": str(school.student_id), "course_id": course["id"]}
    other_attempt_course = school.course()
    school.enroll(other_attempt_course["id"])
    exam = school.post("/assessments", {"course_id": other_attempt_course["id"], "title": "E"})
    attempt = school.post(f"/assessments/{exam['id']}/attempts", {}, headers=school.student)
    for extra, name in [
        ({"score": 120}, "score"),
        ({"status": "pending"}, "status"),
        ({"verification_code": "mine"}, "verification_code"),
        ({"attempt_id": attempt["id"]}, "attempt_id"),
        ({"user_id": "00000000-0000-0000-0000-000000000000"}, "user_id"),
    ]:
        response = school.client.post("/api/v1/certificates", json=base | extra, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert count(school.tenant_id, "certificates") == 0
    cert = school.post("/certificates", base)
    for body, name in [({"status": None}, "status"), ({"user_id": base["user_id"]}, "user_id")]:
        response = school.client.patch(f"/api/v1/certificates/{cert['id']}", json=body, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text


def test_student_progress(school: School) -> None:
    c = school.client
    course = school.course()
    school.post(f"/courses/{course['id']}/modules", {"name": "Now"})
    school.post(f"/courses/{course['id']}/modules", {"name": "Later", "unlock_after_days": 5})
    enrollment = school.enroll(course["id"])
    exam = school.post("/assessments", {"course_id": course["id"], "title": "Quiz", "questions": QUESTIONS})
    attempt = school.post(f"/assessments/{exam['id']}/attempts", {}, headers=school.student)
    c.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        json={"answers": {"q1": 1, "q2": [0, 1], "q3": True, "q4": "Paris"}},
        headers=school.student,
    )
    progress = c.get(f"/api/v1/enrollments/{enrollment['id']}/progress", headers=school.parent)
    assert progress.status_code == 200, progress.text
    body = progress.json()
    assert body["modules_total"] == 2 and body["modules_unlocked"] == 1
    assert body["attempts"] == 1 and body["best_score"] == 100.0 and body["assessments_passed"] == 1
    assert body["certificate_status"] is None
    assert (
        c.get(f"/api/v1/enrollments/{enrollment['id']}/progress", headers=school.other_student).status_code
        == 404
    )
