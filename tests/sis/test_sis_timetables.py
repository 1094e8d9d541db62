"""Timetables: clash detection across and within timetables, permissions, bad input."""

from sis_helpers import count, error_field

BASE = "/api/v1/timetables"


def period(day: str, start: str, end: str, subject: str, teacher) -> dict:
    return {"day": day, "start": start, "end": end, "subject": subject, "teacher_id": str(teacher)}


def test_crud_and_derived_teachers_and_subjects(client, school) -> None:
    s = school
    body = {"name": "Grade 9 A", "classroom_id": "R101", "weeks": [10, 11, 12],
            "periods": [period("mon", "09:00", "10:00", "Maths", s.teacher_id),
                        period("mon", "10:00", "11:00", "Physics", s.other_teacher_id)]}
    created = client.post(BASE, headers=s.admin, json=body)
    assert created.status_code == 201, created.text
    tt = created.json()
    assert tt["teachers"] == [str(s.teacher_id), str(s.other_teacher_id)]
    assert tt["subjects"] == ["Maths", "Physics"]
    for headers in (s.teacher, s.student, s.parent):
        assert client.get(f"{BASE}/{tt['id']}", headers=headers).status_code == 200
        assert client.post(BASE, headers=headers, json=body).status_code == 403
        assert client.patch(f"{BASE}/{tt['id']}", headers=headers, json={"name": "X"}).status_code == 403
        assert client.delete(f"{BASE}/{tt['id']}", headers=headers).status_code == 403
    assert client.get(f"{BASE}?teacher_id={s.other_teacher_id}", headers=s.teacher).json()["count"] == 1
    assert client.get(f"{BASE}?subject=Chemistry", headers=s.teacher).json()["count"] == 0
    assert client.get(f"{BASE}?classroom_id=R101&sort=-name", headers=s.teacher).json()["count"] == 1
    patched = client.patch(f"{BASE}/{tt['id']}", headers=s.admin,
                           json={"periods": [period("tue", "09:00", "10:00", "Biology", s.teacher_id)]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["subjects"] == ["Biology"] and patched.json()["teachers"] == [str(s.teacher_id)]
    assert client.delete(f"{BASE}/{tt['id']}", headers=s.admin).status_code == 204
    assert count(s.tenant.id, "timetables") == 0


def test_teacher_double_booked_across_timetables_is_refused(client, school) -> None:
    s = school
    first = {"name": "9A", "classroom_id": "R1",
             "periods": [period("mon", "09:00", "10:00", "Maths", s.teacher_id)]}
    assert client.post(BASE, headers=s.admin, json=first).status_code == 201
    clash = {"name": "9B", "classroom_id": "R2",
             "periods": [period("mon", "09:30", "10:30", "Maths", s.teacher_id)]}
    response = client.post(BASE, headers=s.admin, json=clash)
    assert response.status_code == 409, response.text
    message = response.json()["error"]["message"]
    assert "teacher" in message and "mon 09:00-10:00" in message and "'9A'" in message
    assert count(s.tenant.id, "timetables") == 1


def test_classroom_double_booked_is_refused_and_adjacent_or_other_weeks_are_fine(client, school) -> None:
    s = school
    first = {"name": "9A", "classroom_id": "Lab", "weeks": [1, 2],
             "periods": [period("wed", "09:00", "10:00", "Chemistry", s.teacher_id)]}
    assert client.post(BASE, headers=s.admin, json=first).status_code == 201
    room_clash = {"name": "9B", "classroom_id": "Lab", "weeks": [2, 3],
                  "periods": [period("wed", "09:59", "11:00", "Biology", s.other_teacher_id)]}
    response = client.post(BASE, headers=s.admin, json=room_clash)
    assert response.status_code == 409 and "classroom 'Lab'" in response.json()["error"]["message"]
    adjacent = {**room_clash, "periods": [period("wed", "10:00", "11:00", "Biology", s.other_teacher_id)]}
    assert client.post(BASE, headers=s.admin, json=adjacent).status_code == 201
    other_weeks = {**room_clash, "name": "9C", "weeks": [5, 6]}
    assert client.post(BASE, headers=s.admin, json=other_weeks).status_code == 201
    other_day = {**room_clash, "name": "9D", "weeks": None,
                 "periods": [period("thu", "09:00", "10:00", "Biology", s.teacher_id)]}
    assert client.post(BASE, headers=s.admin, json=other_day).status_code == 201
    assert count(s.tenant.id, "timetables") == 4


def test_clash_within_one_timetable_and_on_update(client, school) -> None:
    s = school
    inner = {"name": "9A", "classroom_id": "R1",
             "periods": [period("fri", "09:00", "10:00", "Maths", s.teacher_id),
                         period("fri", "09:30", "10:30", "Art", s.other_teacher_id)]}
    response = client.post(BASE, headers=s.admin, json=inner)
    assert response.status_code == 409 and "twice in this timetable" in response.json()["error"]["message"]
    a = client.post(BASE, headers=s.admin, json={**inner, "periods": inner["periods"][:1]}).json()
    b = client.post(BASE, headers=s.admin, json={"name": "9B", "classroom_id": "R2", "periods": [
        period("fri", "11:00", "12:00", "Maths", s.teacher_id)]}).json()
    moved = client.patch(f"{BASE}/{b['id']}", headers=s.admin,
                         json={"periods": [period("fri", "09:15", "09:45", "Maths", s.teacher_id)]})
    assert moved.status_code == 409
    assert client.get(f"{BASE}/{b['id']}", headers=s.admin).json()["periods"] == b["periods"]
    assert client.patch(f"{BASE}/{a['id']}", headers=s.admin, json={"name": "9A (new)"}).status_code == 200


def test_date_ranges_decide_overlap(client, school) -> None:
    s = school
    spring = {"name": "Spring", "classroom_id": "R1", "starts_on": "2025-01-06", "ends_on": "2025-03-28",
              "periods": [period("mon", "09:00", "10:00", "Maths", s.teacher_id)]}
    assert client.post(BASE, headers=s.admin, json=spring).status_code == 201
    autumn = {**spring, "name": "Autumn", "starts_on": "2025-09-01", "ends_on": "2025-12-19"}
    assert client.post(BASE, headers=s.admin, json=autumn).status_code == 201
    by_week = {**spring, "name": "Week 12", "starts_on": None, "ends_on": None, "weeks": [12]}
    assert client.post(BASE, headers=s.admin, json=by_week).status_code == 409
    summer_week = {**by_week, "weeks": [30]}
    assert client.post(BASE, headers=s.admin, json=summer_week).status_code == 201


BAD_CREATE = [
    ({"classroom_id": "R1", "periods": "P"}, "name"),
    ({"name": "A", "periods": "P"}, "classroom_id"),
    ({"name": "A", "classroom_id": "R1", "periods": []}, "periods"),
    ({"name": "A", "classroom_id": "R1", "periods": [{"day": "funday", "start": "09:00", "end": "10:00",
                                                      "subject": "M"}]}, "periods.0.day"),
    ({"name": "A", "classroom_id": "R1", "periods": [{"day": "mon", "start": "9am", "end": "10:00",
                                                      "subject": "M"}]}, "periods.0.start"),
    ({"name": "A", "classroom_id": "R1", "periods": [{"day": "mon", "start": "10:00", "end": "09:00",
                                                      "subject": "M"}]}, "periods.0.end"),
    ({"name": "A", "classroom_id": "R1", "periods": [{"day": "mon", "start": "09:00", "end": "24:00",
                                                      "subject": "M"}]}, "periods.0.end"),
    ({"name": "A", "classroom_id": "R1", "periods": "P", "weeks": [0]}, "weeks"),
    ({"name": "A", "classroom_id": "R1", "periods": "P", "starts_on": "2025-02-01",
      "ends_on": "2025-01-01"}, "ends_on"),
    ({"name": "A", "classroom_id": "R1", "periods": "STUDENT_TEACHER"}, "periods.0.teacher_id"),
    ({"name": "A", "classroom_id": "R1", "periods": "P",
      "teachers": ["00000000-0000-0000-0000-000000000001"]}, "teachers.0"),
]


def test_bad_create_names_the_field_and_writes_nothing(client, school) -> None:
    for body, field in BAD_CREATE:
        ok = [period("mon", "09:00", "10:00", "Maths", school.teacher_id)]
        student_teacher = [period("mon", "09:00", "10:00", "Maths", school.student_user_id)]
        swaps = {"P": ok, "STUDENT_TEACHER": student_teacher}
        body = {k: swaps.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
        response = client.post(BASE, headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
        assert count(school.tenant.id, "timetables") == 0


BAD_UPDATE = [
    ({"name": ""}, "name"),
    ({"periods": None}, "periods"),
    ({"ends_on": "2000-01-01", "starts_on": "2001-01-01"}, "ends_on"),
    ({"weeks": [54]}, "weeks"),
    ({"color": "red"}, "color"),
]


def test_bad_update_names_the_field_and_changes_nothing(client, school) -> None:
    tt = client.post(BASE, headers=school.admin, json={
        "name": "A", "classroom_id": "R1",
        "periods": [period("mon", "09:00", "10:00", "M", school.teacher_id)]})
    for body, field in BAD_UPDATE:
        response = client.patch(f"{BASE}/{tt.json()['id']}", headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
        assert client.get(f"{BASE}/{tt.json()['id']}", headers=school.admin).json() == tt.json()
