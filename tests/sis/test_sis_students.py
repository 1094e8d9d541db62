"""Students over HTTP: who may write, who sees which record, and bad input that writes nothing."""

from sis_helpers import add_user, count, error_field

BASE = "/api/v1/students"


def test_admin_crud_with_filters_and_sort(client, school) -> None:
    s = school
    created = s.taught
    assert created["personal_info"]["name"] == "Priya Sharma"
    assert created["academic_history"][0]["institution"] == "Green Valley School"
    assert client.get(f"{BASE}/{created['id']}", headers=s.admin).json()["guardian_id"] == str(s.parent_id)
    listed = client.get(BASE, headers=s.admin).json()
    assert listed["count"] == 2
    assert [r["id"] for r in client.get(f"{BASE}?status=inactive", headers=s.admin).json()["data"]] == [
        s.untaught["id"]]
    assert client.get(f"{BASE}?name=priya", headers=s.admin).json()["count"] == 1
    assert client.get(f"{BASE}?guardian_id={s.parent_id}", headers=s.admin).json()["count"] == 1
    page = client.get(f"{BASE}?sort=created_at&limit=1&offset=1", headers=s.admin).json()
    assert page["count"] == 2 and [r["id"] for r in page["data"]] == [s.untaught["id"]]
    assert client.get(f"{BASE}?sort=password", headers=s.admin).status_code == 422
    patched = client.patch(f"{BASE}/{created['id']}", headers=s.admin,
                           json={"status": "graduated", "personal_info": {"name": "Priya S."}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "graduated" and patched.json()["personal_info"] == {"name": "Priya S."}
    assert patched.json()["updated_at"] > created["updated_at"]
    assert client.delete(f"{BASE}/{s.untaught['id']}", headers=s.admin).status_code == 204
    assert client.get(f"{BASE}/{s.untaught['id']}", headers=s.admin).status_code == 404


def test_teacher_sees_only_students_of_their_courses_and_cannot_write(client, school) -> None:
    s = school
    listed = client.get(BASE, headers=s.teacher).json()
    assert [r["id"] for r in listed["data"]] == [s.taught["id"]]
    assert client.get(f"{BASE}/{s.untaught['id']}", headers=s.teacher).status_code == 404
    assert client.get(BASE, headers=s.other_teacher).json()["count"] == 0
    assert client.post(BASE, headers=s.teacher, json={"personal_info": {"name": "X"}}).status_code == 403
    assert client.patch(f"{BASE}/{s.taught['id']}", headers=s.teacher,
                        json={"status": "inactive"}).status_code == 403
    assert client.delete(f"{BASE}/{s.taught['id']}", headers=s.teacher).status_code == 403
    assert client.patch(f"{BASE}/{s.untaught['id']}", headers=s.teacher,
                        json={"status": "active"}).status_code == 404
    assert count(s.tenant.id, "students") == 2


def test_student_and_parent_see_only_their_own(client, school) -> None:
    s = school
    for headers in (s.student, s.parent):
        listed = client.get(BASE, headers=headers).json()
        assert [r["id"] for r in listed["data"]] == [s.taught["id"]]
        assert client.get(f"{BASE}/{s.taught['id']}", headers=headers).status_code == 200
        assert client.get(f"{BASE}/{s.untaught['id']}", headers=headers).status_code == 404
        assert client.patch(f"{BASE}/{s.taught['id']}", headers=headers,
                            json={"status": "inactive"}).status_code == 403
        assert client.post(BASE, headers=headers, json={"personal_info": {"name": "Me"}}).status_code == 403
    _, stranger = add_user(s.tenant.id, "parent")
    assert client.get(BASE, headers=stranger).json()["count"] == 0
    assert client.get(f"{BASE}/{s.taught['id']}", headers=stranger).status_code == 404


def test_links_are_validated(client, school) -> None:
    s = school
    teacher_as_guardian = client.post(BASE, headers=s.admin, json={
        "personal_info": {"name": "A"}, "guardian_id": str(s.teacher_id)})
    assert teacher_as_guardian.status_code == 422 and error_field(teacher_as_guardian) == "guardian_id"
    assert "parent" in teacher_as_guardian.json()["error"]["message"]
    parent_as_user = client.post(BASE, headers=s.admin, json={
        "personal_info": {"name": "A"}, "user_id": str(s.parent_id)})
    assert parent_as_user.status_code == 422 and error_field(parent_as_user) == "user_id"
    taken = client.post(BASE, headers=s.admin, json={
        "personal_info": {"name": "A"}, "user_id": str(s.student_user_id)})
    assert taken.status_code == 409
    unknown = client.patch(f"{BASE}/{s.untaught['id']}", headers=s.admin,
                           json={"guardian_id": "00000000-0000-0000-0000-000000000001"})
    assert unknown.status_code == 422 and error_field(unknown) == "guardian_id"
    assert count(s.tenant.id, "students") == 2


BAD_CREATE = [
    ({}, "personal_info"),
    ({"personal_info": {"name": ""}}, "personal_info.name"),
    ({"personal_info": {"name": "A", "date_of_birth": "2999-01-01"}}, "personal_info.date_of_birth"),
    ({"personal_info": {"name": "A", "email": "not-an-email"}}, "personal_info.email"),
    ({"personal_info": {"name": "A", "shoe_size": 9}}, "personal_info.shoe_size"),
    ({"personal_info": {"name": "A"}, "status": "expelled"}, "status"),
    ({"personal_info": {"name": "A"}, "academic_history": [{"year": 2020}]},
     "academic_history.0.institution"),
    ({"personal_info": {"name": "A"}, "guardian_id": "nope"}, "guardian_id"),
    ({"personal_info": {"name": "A"}, "tenant_id": "00000000-0000-0000-0000-000000000001"}, "tenant_id"),
]


def test_bad_create_names_the_field_and_writes_nothing(client, school) -> None:
    for body, field in BAD_CREATE:
        response = client.post(BASE, headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
        assert count(school.tenant.id, "students") == 2


BAD_UPDATE = [
    ({"status": None}, "status"),
    ({"personal_info": None}, "personal_info"),
    ({"personal_info": {"phone": "1"}}, "personal_info.name"),
    ({"academic_history": [{"institution": "X", "year": 1500}]}, "academic_history.0.year"),
    ({"id": "00000000-0000-0000-0000-000000000001"}, "id"),
]


def test_bad_update_names_the_field_and_changes_nothing(client, school) -> None:
    for body, field in BAD_UPDATE:
        url = f"{BASE}/{school.taught['id']}"
        response = client.patch(url, headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
        assert client.get(url, headers=school.admin).json() == school.taught
