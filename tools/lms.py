"""LMS tools: course search, enrolment and a student's progress, through `domain.lms.service`."""

from typing import Any
from uuid import UUID

from pydantic import Field

from cognify.db import TenantSession
from cognify.security import Actor
from domain.lms.models import CoursePublic, CourseStatus, EnrollmentPublic
from domain.lms.service import courses, enrollments
from domain.privacy.access_log import log_reads
from tools.spec import ToolArgs, declare


def _course(course: Any) -> dict[str, Any]:
    return CoursePublic.model_validate(course).model_dump(mode="json", exclude={"media"})


class SearchCoursesArgs(ToolArgs):
    q: str | None = Field(default=None, max_length=200, description="Text in the course title")
    tag: str | None = Field(default=None, max_length=40)
    status: CourseStatus | None = None
    limit: int = Field(default=10, ge=1, le=50)


@declare("courses:read")
def search_courses(session: TenantSession, actor: Actor, args: SearchCoursesArgs) -> dict[str, Any]:
    """Search the courses you may see by title, tag or status."""
    rows, count = courses.search_courses(
        session, actor, q=args.q, tag=args.tag, status=args.status, sort="title", limit=args.limit
    )
    return {"count": count, "courses": [_course(r) for r in rows]}


class CourseIdArgs(ToolArgs):
    course_id: UUID


@declare("courses:read")
def get_course(session: TenantSession, actor: Actor, args: CourseIdArgs) -> dict[str, Any]:
    """One course with its description, tags and teachers."""
    return _course(courses.get_course(session, actor, args.course_id))


class EnrollStudentArgs(ToolArgs):
    student_id: UUID = Field(description="The student's user id")
    course_id: UUID


@declare("courses:manage", writes=True)
def enroll_student(session: TenantSession, actor: Actor, args: EnrollStudentArgs) -> dict[str, Any]:
    """Enrol a student user in a course you manage."""
    enrollment = enrollments.enroll_student(session, actor, args.student_id, args.course_id)
    return EnrollmentPublic.model_validate(enrollment).model_dump(mode="json")


class StudentProgressArgs(ToolArgs):
    student_id: UUID = Field(description="The student's user id")
    course_id: UUID


@declare("students:read")
def get_student_progress(session: TenantSession, actor: Actor, args: StudentProgressArgs) -> dict[str, Any]:
    """A student's standing in a course: progress, unlocked modules, attempts, certificate."""
    progress = enrollments.get_student_progress(session, actor, args.student_id, args.course_id)
    log_reads(session, actor, "student_progress", "tool get_student_progress",
              [(args.student_id, None, args.course_id)])
    return progress.model_dump(mode="json")
