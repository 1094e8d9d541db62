"""Courses over HTTP: who may create, see, change and delete; filters; bad input."""

from tests.lms.conftest import School, count


def test_staff_manage_courses_and_students_see_published(school: School) -> None:
    c = school.client
    published = school.course(tags=["python", "data"], media=[{"kind": "cover", "url": "https://x/y.png"}])
    draft = school.course(title="Secret Draft", status="draft")
    assert published["teacher_ids"] == [str(school.teacher_id)]
    assert published["drip_schedule"] == {"enabled": True}

    assert c.get(f"/api/v1/courses/{draft['id']}", headers=school.teacher).status_code == 200
    assert c.get(f"/api/v1/courses/{draft['id']}", headers=school.other_teacher).status_code == 404
    assert c.get(f"/api/v1/courses/{draft['id']}", headers=school.student).status_code == 404
    for headers in (school.student, school.parent, school.other_teacher):
        listed = c.get("/api/v1/courses", headers=headers).json()
        assert [row["id"] for row in listed["data"]] == [published["id"]], listed
    assert c.get("/api/v1/courses", headers=school.owner).json()["count"] == 2
    assert c.get("/api/v1/courses", headers=school.teacher).json()["count"] == 2

    patched = c.patch(
        f"/api/v1/courses/{published['id']}", json={"description": "Learn"}, headers=school.teacher
    )
    assert patched.status_code == 200 and patched.json()["description"] == "Learn"
    assert patched.json()["updated_at"] > published["updated_at"]
    forbidden = c.patch(
        f"/api/v1/courses/{published['id']}", json={"title": "Mine"}, headers=school.other_teacher
    )
    assert forbidden.status_code == 403
    assert (
        c.patch(
            f"/api/v1/courses/{draft['id']}", json={"title": "X"}, headers=school.other_teacher
        ).status_code
        == 404
    )
    assert (
        c.patch(f"/api/v1/courses/{published['id']}", json={"title": "X"}, headers=school.student).status_code
        == 403
    )
    assert c.delete(f"/api/v1/courses/{published['id']}", headers=school.student).status_code == 403
    assert c.delete(f"/api/v1/courses/{published['id']}", headers=school.other_teacher).status_code == 403
    assert c.delete(f"/api/v1/courses/{published['id']}", headers=school.teacher).status_code == 204
    assert c.get(f"/api/v1/courses/{published['id']}", headers=school.owner).status_code == 404


def test_teacher_creates_course_and_becomes_its_teacher(school: School) -> None:
    created = school.post("/courses", {"title": "Algebra"}, headers=school.teacher)
    assert created["teacher_ids"] == [str(school.teacher_id)] and created["status"] == "draft"
    refused = school.client.post("/api/v1/courses", json={"title": "Hack"}, headers=school.student)
    assert refused.status_code == 403
    assert (
        school.client.post("/api/v1/courses", json={"title": "Hack"}, headers=school.parent).status_code
        == 403
    )
    drop_self = school.client.patch(
        f"/api/v1/courses/{created['id']}", json={"teacher_ids": []}, headers=school.teacher
    )
    assert drop_self.status_code == 403


def test_course_filters_and_sort(school: School) -> None:
    school.course(title="Beta Python", tags=["python"], type="cohort")
    school.course(title="Alpha Stats", tags=["stats"], status="draft")
    school.post("/courses", {"title": "Gamma Art"})
    c, owner = school.client, school.owner

    def titles(query: str) -> list[str]:
        response = c.get(f"/api/v1/courses?{query}", headers=owner)
        assert response.status_code == 200, response.text
        return [row["title"] for row in response.json()["data"]]

    assert titles("sort=title") == ["Alpha Stats", "Beta Python", "Gamma Art"]
    assert titles("sort=-title&limit=1") == ["Gamma Art"]
    assert titles("tag=python") == ["Beta Python"]
    assert titles("status=draft&sort=title") == ["Alpha Stats", "Gamma Art"]
    assert titles("type=cohort") == ["Beta Python"]
    assert titles("q=stat") == ["Alpha Stats"]
    assert titles(f"teacher_id={school.teacher_id}&sort=title") == ["Alpha Stats", "Beta Python"]
    assert c.get("/api/v1/courses?sort=secret", headers=owner).json()["error"]["message"].startswith("sort")
    assert c.get("/api/v1/courses?limit=2&offset=2&sort=title", headers=owner).json()["count"] == 3


def test_bad_course_input_names_the_field_and_writes_nothing(school: School) -> None:
    c = school.client
    cases = [
        ({"title": "X", "colour": "red"}, "colour"),
        ({"title": ""}, "title"),
        ({"title": "X", "status": "archived"}, "status"),
        ({"title": "X", "tags": [""]}, "tags"),
        ({"title": "X", "drip_schedule": {"enabled": True, "every": 3}}, "drip_schedule"),
        ({"title": "X", "media": [{"url": "u"}]}, "media"),
        ({"title": "X", "teacher_ids": ["not-a-uuid"]}, "teacher_ids"),
        ({"title": "X", "teacher_ids": [str(school.student_id)]}, "teacher_ids"),
    ]
    for body, name in cases:
        response = c.post("/api/v1/courses", json=body, headers=school.owner)
        assert response.status_code == 422, (body, response.text)
        assert name in response.json()["error"]["message"], (body, response.text)
    assert count(school.tenant_id, "courses") == 0

    course = school.course()
    for body, name in [
        ({"title": None}, "title"),
        ({"nope": 1}, "nope"),
        ({"status": "gone"}, "status"),
        ({"teacher_ids": [str(school.student_id)]}, "teacher_ids"),
    ]:
        response = c.patch(f"/api/v1/courses/{course['id']}", json=body, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert c.get(f"/api/v1/courses/{course['id']}", headers=school.owner).json()["title"] == course["title"]
