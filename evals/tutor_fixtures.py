"""The tutor suite's school: students, courses of modules and content blocks on a drip schedule,
enrolments, assessments with answer keys and open attempts, seeded into a new tenant and indexed
with the real retrieval stack (chunking, the gateway's `embed` group, pgvector)."""

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from cognify.db import tenant_session
from domain.identity.models import User
from domain.lms.models import (
    Assessment,
    AssessmentAttempt,
    ContentBlock,
    Course,
    CourseStatus,
    Enrollment,
    Module,
    Question,
)
from vector.indexing import index_course

Refs = dict[str, UUID]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BlockSpec(Strict):
    title: str
    body: str
    type: str = "doc"


class ModuleSpec(Strict):
    """A module; with the course's drip on, it opens `unlock_after_days` after the enrolment."""

    name: str
    unlock_after_days: int = 0
    blocks: dict[str, BlockSpec]


class CourseSpec(Strict):
    title: str
    description: str = ""
    drip: bool = True
    modules: list[ModuleSpec]


class AssessmentSpec(Strict):
    """An assessment; `questions` are `domain.lms.models.Question`s (answer keys included)."""

    course: str
    title: str
    proctored: bool = False
    time_limit: int | None = None
    questions: list[dict[str, Any]] = Field(default_factory=list)

    def key(self, question_id: str) -> str:
        """The answer key of one question, as text."""
        return str(next(q["answer"] for q in self.questions if q["id"] == question_id))


class AttemptSpec(Strict):
    """An in-progress attempt (proctored when its assessment is), started now."""

    student: str
    assessment: str


class TutorFixture(Strict):
    """Students (key: full name), courses, enrolments (student: courses), assessments, open attempts."""

    students: dict[str, str]
    courses: dict[str, CourseSpec]
    enrollments: dict[str, list[str]]
    assessments: dict[str, AssessmentSpec] = Field(default_factory=dict)
    attempts: list[AttemptSpec] = Field(default_factory=list)

    def blocks(self) -> dict[str, BlockSpec]:
        """Every content block, by key."""
        return {k: b for c in self.courses.values() for m in c.modules for k, b in m.blocks.items()}


def seed_school(tenant_id: UUID, fixture: TutorFixture) -> Refs:
    """Insert the fixture's rows; their ids by `student.`, `course.`, `block.` and `assessment.` key."""
    refs: Refs = {}
    with tenant_session(tenant_id) as session:

        def add(ref: str, row: Any) -> Any:
            session.add(row)
            session.flush()
            refs[ref] = row.id
            return row

        for key, name in fixture.students.items():
            add(f"student.{key}", User(tenant_id=tenant_id, email=f"{key}@tutor-eval.example.com",
                                       full_name=name, role="student"))
        for key, spec in fixture.courses.items():
            course = add(f"course.{key}", Course(
                tenant_id=tenant_id, title=spec.title, description=spec.description,
                status=CourseStatus.published, drip_schedule={"enabled": spec.drip}))
            for sequence, module in enumerate(spec.modules):
                blocks = [add(f"block.{k}", ContentBlock(tenant_id=tenant_id, course_id=course.id,
                                                         type=b.type, title=b.title, body=b.body))
                          for k, b in module.blocks.items()]
                session.add(Module(tenant_id=tenant_id, course_id=course.id, name=module.name,
                                   sequence=sequence, unlock_after_days=module.unlock_after_days,
                                   content_block_refs=[b.id for b in blocks]))
        for student, courses in fixture.enrollments.items():
            for course_key in courses:
                session.add(Enrollment(tenant_id=tenant_id, student_id=refs[f"student.{student}"],
                                       course_id=refs[f"course.{course_key}"]))
        for key, spec in fixture.assessments.items():
            questions = [Question.model_validate({"type": "short_answer", **q}).model_dump(mode="json")
                         for q in spec.questions]
            add(f"assessment.{key}", Assessment(
                tenant_id=tenant_id, course_id=refs[f"course.{spec.course}"], title=spec.title,
                proctored=spec.proctored, time_limit=spec.time_limit, questions=questions))
        for attempt in fixture.attempts:
            session.add(AssessmentAttempt(
                tenant_id=tenant_id, assessment_id=refs[f"assessment.{attempt.assessment}"],
                student_id=refs[f"student.{attempt.student}"],
                proctored=fixture.assessments[attempt.assessment].proctored))
    return refs


async def index_school(tenant_id: UUID, refs: Refs, fixture: TutorFixture) -> int:
    """Index every course (descriptions, modules, blocks) through the gateway's `embed` group."""
    embedded = 0
    with tenant_session(tenant_id) as session:
        for key in fixture.courses:
            embedded += await index_course(session, refs[f"course.{key}"])
    return embedded
