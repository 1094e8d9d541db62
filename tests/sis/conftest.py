"""SIS fixtures: a school with staff, a taught course, enrolled and unenrolled students."""

import pytest
from sis_helpers import School, add_course, add_user, enroll


@pytest.fixture
def school(client, make_tenant) -> School:
    """A school: `taught` is the enrolled student (with user and parent), `untaught` another."""
    tenant = make_tenant()
    _, admin = add_user(tenant.id, "admin")
    teacher_id, teacher = add_user(tenant.id, "teacher")
    other_teacher_id, other_teacher = add_user(tenant.id, "teacher")
    parent_id, parent = add_user(tenant.id, "parent")
    student_user_id, student = add_user(tenant.id, "student")
    course_id = add_course(tenant.id, [teacher_id], "Data Science 101")
    enroll(tenant.id, student_user_id, course_id)
    taught = client.post("/api/v1/students", headers=admin, json={
        "user_id": str(student_user_id), "guardian_id": str(parent_id),
        "personal_info": {"name": "Priya Sharma", "date_of_birth": "2008-04-02",
                          "email": "priya@example.com"},
        "academic_history": [{"institution": "Green Valley School", "year": 2022, "grade": "A"}],
    })
    assert taught.status_code == 201, taught.text
    untaught = client.post("/api/v1/students", headers=admin,
                           json={"personal_info": {"name": "Tom Lee"}, "status": "inactive"})
    assert untaught.status_code == 201, untaught.text
    return School(tenant, admin, teacher_id, teacher, other_teacher_id, other_teacher, parent_id, parent,
                  student_user_id, student, course_id, taught.json(), untaught.json())
