"""Row-level isolation: every LMS object of tenant B is unknown (404) to tenant A, even to its owner."""

from tests.lms.conftest import QUESTIONS, School, build_school, count


def test_other_tenants_objects_answer_404(school: School, make_tenant, client) -> None:
    other = build_school(client, make_tenant)
    course = other.course()
    module = other.post(f"/courses/{course['id']}/modules", {"name": "M"})
    block = other.block(course["id"])
    enrollment = other.enroll(course["id"])
    exam = other.post("/assessments", {"course_id": course["id"], "title": "E", "questions": QUESTIONS})
    attempt = other.post(f"/assessments/{exam['id']}/attempts", {}, headers=other.student)
    cert = other.post("/certificates", {"user_id": str(other.student_id), "course_id": course["id"]})
    paths = [
        f"/courses/{course['id']}",
        f"/courses/{course['id']}/modules/{module['id']}",
        f"/content-blocks/{block['id']}",
        f"/enrollments/{enrollment['id']}",
        f"/assessments/{exam['id']}",
        f"/attempts/{attempt['id']}",
        f"/certificates/{cert['id']}",
    ]
    for path in paths:
        assert client.get(f"/api/v1{path}", headers=school.owner).status_code == 404, path
        assert client.patch(f"/api/v1{path}", json={}, headers=school.owner).status_code == 404, path
        assert client.delete(f"/api/v1{path}", headers=school.owner).status_code == 404, path
    assert client.get(f"/api/v1/courses/{course['id']}/modules", headers=school.owner).status_code == 404
    assert (
        client.post(f"/api/v1/assessments/{exam['id']}/attempts", headers=school.student).status_code == 404
    )
    submit = client.post(
        f"/api/v1/attempts/{attempt['id']}/submit", json={"answers": {}}, headers=school.student
    )
    assert submit.status_code == 404
    cross = client.post(
        "/api/v1/enrollments",
        json={"student_id": str(school.student_id), "course_id": course["id"]},
        headers=school.owner,
    )
    assert cross.status_code == 404
    for listing in ("courses", "content-blocks", "enrollments", "assessments", "attempts", "certificates"):
        assert client.get(f"/api/v1/{listing}", headers=school.owner).json()["count"] == 0, listing
    for table in (
        "courses",
        "modules",
        "content_blocks",
        "enrollments",
        "assessments",
        "assessment_attempts",
        "certificates",
    ):
        assert count(other.tenant_id, table) == 1, table
