"""Attendance over HTTP: teachers mark their students; excused needs a reason; owners read their own."""

from sis_helpers import add_course, count, error_field

BASE = "/api/v1/attendance"


def test_teacher_marks_their_student_and_everyone_reads_by_role(client, school) -> None:
    s = school
    body = {"student_id": s.taught["id"], "course_id": str(s.course_id), "status": "late", "method": "qr",
            "timestamp": "2025-03-03T09:05:00+00:00"}
    created = client.post(BASE, headers=s.teacher, json=body)
    assert created.status_code == 201, created.text
    mark = created.json()
    assert mark["status"] == "late" and mark["method"] == "qr"
    assert client.post(BASE, headers=s.admin, json={"student_id": s.untaught["id"],
                                                     "status": "absent"}).status_code == 201
    assert client.get(BASE, headers=s.admin).json()["count"] == 2
    for headers in (s.teacher, s.student, s.parent):
        listed = client.get(BASE, headers=headers).json()
        assert [r["id"] for r in listed["data"]] == [mark["id"]]
        assert client.get(f"{BASE}/{mark['id']}", headers=headers).status_code == 200
    assert client.get(f"{BASE}?status=absent", headers=s.admin).json()["count"] == 1
    assert client.get(f"{BASE}?student_id={s.taught['id']}&method=qr", headers=s.admin).json()["count"] == 1
    assert client.get(f"{BASE}?since=2025-03-04T00:00:00Z", headers=s.teacher).json()["count"] == 0
    patched = client.patch(f"{BASE}/{mark['id']}", headers=s.teacher,
                           json={"status": "excused", "reason": "Doctor's appointment"})
    assert patched.status_code == 200 and patched.json()["reason"] == "Doctor's appointment"
    for headers in (s.student, s.parent):
        assert client.patch(f"{BASE}/{mark['id']}", headers=headers,
                            json={"status": "present"}).status_code == 403
        assert client.delete(f"{BASE}/{mark['id']}", headers=headers).status_code == 403
        assert client.post(BASE, headers=headers, json=body).status_code == 403
    assert client.delete(f"{BASE}/{mark['id']}", headers=s.teacher).status_code == 204
    assert client.get(f"{BASE}/{mark['id']}", headers=s.admin).status_code == 404


def test_teacher_cannot_touch_other_students_or_courses(client, school) -> None:
    s = school
    other = client.post(BASE, headers=s.teacher, json={"student_id": s.untaught["id"], "status": "present"})
    assert other.status_code == 422 and error_field(other) == "student_id"
    foreign_course = add_course(s.tenant.id, [s.other_teacher_id], "Digital Marketing")
    not_theirs = client.post(BASE, headers=s.teacher, json={
        "student_id": s.taught["id"], "course_id": str(foreign_course), "status": "present"})
    assert not_theirs.status_code == 403
    mark = client.post(BASE, headers=s.admin, json={"student_id": s.untaught["id"], "status": "present"})
    assert client.get(f"{BASE}/{mark.json()['id']}", headers=s.teacher).status_code == 404
    assert client.delete(f"{BASE}/{mark.json()['id']}", headers=s.other_teacher).status_code == 404
    assert count(s.tenant.id, "attendance") == 1


BAD_CREATE = [
    ({"status": "present"}, "student_id"),
    ({"student_id": "STUDENT"}, "status"),
    ({"student_id": "STUDENT", "status": "asleep"}, "status"),
    ({"student_id": "STUDENT", "status": "present", "method": "telepathy"}, "method"),
    ({"student_id": "STUDENT", "status": "excused"}, "reason"),
    ({"student_id": "STUDENT", "status": "excused", "reason": "  "}, "reason"),
    ({"student_id": "STUDENT", "status": "present", "timestamp": "yesterday"}, "timestamp"),
    ({"student_id": "STUDENT", "status": "present", "course_id": "00000000-0000-0000-0000-000000000001"},
     "course_id"),
    ({"student_id": "00000000-0000-0000-0000-000000000001", "status": "present"}, "student_id"),
]


def test_bad_create_names_the_field_and_writes_nothing(client, school) -> None:
    for body, field in BAD_CREATE:
        body = {k: (school.taught["id"] if v == "STUDENT" else v) for k, v in body.items()}
        response = client.post(BASE, headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
        assert count(school.tenant.id, "attendance") == 0


BAD_UPDATE = [
    ({"status": "excused"}, "reason"),
    ({"status": None}, "status"),
    ({"method": "pigeon"}, "method"),
    ({"student_id": "00000000-0000-0000-0000-000000000001"}, "student_id"),
]


def test_bad_update_names_the_field_and_changes_nothing(client, school) -> None:
    mark = client.post(BASE, headers=school.admin, json={"student_id": school.taught["id"],
                                                          "status": "absent"}).json()
    for body, field in BAD_UPDATE:
        response = client.patch(f"{BASE}/{mark['id']}", headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
        assert client.get(f"{BASE}/{mark['id']}", headers=school.admin).json() == mark
