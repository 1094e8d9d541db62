"""Set-up for console tests: users with passwords, cookie sign-in, courses, flagged exam sessions."""

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parents[1] / "proctoring_api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "proctoring"))

from exam_setup import Exam, as_owner, make_exam  # noqa: E402
from proctoring_media import Scenes  # noqa: E402

from cognify.db import tenant_session  # noqa: E402
from cognify.security import hash_password  # noqa: E402
from domain.crm.models import Lead  # noqa: E402
from domain.identity.models import User  # noqa: E402
from domain.lms.models import (  # noqa: E402
    Assessment,
    AssessmentAttempt,
    ContentBlock,
    Course,
    CourseStatus,
    Enrollment,
    Module,
)
from domain.sis.models import Student  # noqa: E402

PASSWORD = "correct-horse-battery"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_user(tenant_id: UUID, role: str, name: str = "") -> tuple[UUID, str]:
    """A user with the test password; (id, email)."""
    email = f"{role}-{uuid4().hex[:8]}@web.example.com"
    with tenant_session(tenant_id) as session:
        user = User(
            tenant_id=tenant_id,
            email=email,
            full_name=name or f"A {role}",
            role=role,
            password_hash=hash_password(PASSWORD),
        )
        session.add(user)
        session.flush()
        return user.id, email


def set_password(tenant_id: UUID, user_id: UUID) -> str:
    """Give an existing user the test password; their email."""
    rows = as_owner(
        tenant_id,
        "UPDATE users SET password_hash = :h WHERE id = :u RETURNING email",
        h=hash_password(PASSWORD),
        u=user_id,
    )
    return str(rows[0][0])


def sign_in(web: TestClient, slug: str, email: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; the CSRF token of the new session."""
    form = web.get("/app/login")
    token = FORM_CSRF.search(form.text)
    assert token, form.text
    response = web.post(
        "/app/login",
        data={
            "tenant": slug,
            "email": email,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/app/",
        },
    )
    assert response.status_code == 303, response.text
    home = web.get("/app/")
    assert home.status_code == 200, home.text
    match = CSRF_META.search(home.text)
    assert match
    return match.group(1)


def add_lead(tenant_id: UUID, name: str) -> UUID:
    """A CRM lead."""
    with tenant_session(tenant_id) as session:
        lead = Lead(tenant_id=tenant_id, name=name, notes="", contact={})
        session.add(lead)
        session.flush()
        return lead.id


def add_sis_student(tenant_id: UUID, user_id: UUID | None = None, name: str = "Sam Student") -> UUID:
    """A SIS student record."""
    with tenant_session(tenant_id) as session:
        student = Student(tenant_id=tenant_id, user_id=user_id, personal_info={"name": name})
        session.add(student)
        session.flush()
        return student.id


@dataclass
class Classroom:
    """A published course with one content block and an enrolled student."""

    course_id: UUID
    block_id: UUID
    student_id: UUID
    student_email: str


def make_classroom(
    tenant_id: UUID,
    block_title: str = "Photosynthesis",
    body: str = "Plants turn light, water and carbon dioxide into sugar.",
) -> Classroom:
    """A course, a content block in an open module, and an enrolled student with a password."""
    student_id, email = add_user(tenant_id, "student", "Priya Pupil")
    with tenant_session(tenant_id) as session:
        course = Course(
            tenant_id=tenant_id, title="Biology 101", status=CourseStatus.published, teacher_ids=[]
        )
        session.add(course)
        session.flush()
        block = ContentBlock(
            tenant_id=tenant_id, course_id=course.id, type="doc", title=block_title, body=body
        )
        session.add(block)
        session.flush()
        session.add(
            Module(tenant_id=tenant_id, course_id=course.id, name="Week 1", content_block_refs=[block.id])
        )
        session.add(Enrollment(tenant_id=tenant_id, student_id=student_id, course_id=course.id))
        return Classroom(course.id, block.id, student_id, email)


def open_proctored_attempt(tenant_id: UUID, course_id: UUID, student_id: UUID) -> UUID:
    """A proctored exam in the course and the student's attempt at it, in progress."""
    with tenant_session(tenant_id) as session:
        exam = Assessment(
            tenant_id=tenant_id,
            course_id=course_id,
            title="Midterm <b>exam</b>",
            proctored=True,
            time_limit=60,
        )
        session.add(exam)
        session.flush()
        attempt = AssessmentAttempt(
            tenant_id=tenant_id, assessment_id=exam.id, student_id=student_id, proctored=True
        )
        session.add(attempt)
        session.flush()
        return attempt.id


BROWSER_EVENTS = {
    "events": [{"type": "tab_hidden", "start_s": 3.0, "end_s": 6.0}, {"type": "paste", "start_s": 7.5}]
}


def flagged_exam(client: TestClient, tenant: Any, scenes: Scenes) -> tuple[Exam, str]:
    """A submitted attempt whose live session saw a second face: flagged, certificate held."""
    exam = make_exam(client, tenant.id, tenant.owner_id)
    session_id = exam.start_session()
    exam.post_frames(session_id, [(3, scenes.frontal), (5, scenes.two_faces), (3, scenes.frontal)])
    assert (
        exam.api("POST", f"/proctoring/sessions/{session_id}/events", json=BROWSER_EVENTS).status_code == 201
    )
    finished = exam.api("POST", f"/proctoring/sessions/{session_id}/finish").json()
    assert finished["flagged"] is True, finished
    exam.submit()
    assert exam.certificates()[0]["status"] == "held"
    return exam, session_id
