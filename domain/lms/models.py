"""LMS tables and API shapes: courses, modules, content, assessments, enrolments, attempts, certificates."""

import enum
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator
from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlmodel import Field, SQLModel

from cognify.models import Patch, TenantScoped, json_field, timestamp_field

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
FORBID = ConfigDict(extra="forbid")


def _uuid_array() -> Any:
    return Field(default_factory=list, sa_column=Column(ARRAY(PgUUID(as_uuid=True)), nullable=False))


class CourseStatus(enum.StrEnum):
    """Whether students can see a course."""

    draft = "draft"
    published = "published"


class ContentType(enum.StrEnum):
    """Kinds of content block."""

    video = "video"
    file = "file"
    doc = "doc"
    quiz = "quiz"
    ai = "ai"


class AssessmentType(enum.StrEnum):
    """Quiz (practice) or exam (certifying)."""

    quiz = "quiz"
    exam = "exam"


class LatePolicy(enum.StrEnum):
    """What happens to a submission after the time limit."""

    refuse = "refuse"
    mark_late = "mark_late"


class EnrollmentStatus(enum.StrEnum):
    """Lifecycle of an enrolment."""

    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class AttemptStatus(enum.StrEnum):
    """Lifecycle of an attempt; `expired` closes an attempt refused for lateness."""

    in_progress = "in_progress"
    submitted = "submitted"
    expired = "expired"


class CertificateStatus(enum.StrEnum):
    """Issued, held for proctoring review, withheld after review, or revoked."""

    issued = "issued"
    held = "held"
    withheld = "withheld"
    revoked = "revoked"


class QuestionType(enum.StrEnum):
    """Objective question kinds that grade automatically."""

    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    true_false = "true_false"
    short_answer = "short_answer"


class DripSchedule(BaseModel):
    """Course-level drip switch; per-module delays live in `Module.unlock_after_days`."""

    model_config = FORBID
    enabled: bool = True


class MediaItem(BaseModel):
    """A course-level media asset (cover image, trailer)."""

    model_config = FORBID
    kind: str = Field(min_length=1, max_length=40)
    storage_key: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=2000)
    title: str = Field(default="", max_length=200)


class QuestionPublic(BaseModel):
    """A question as a student sees it: no answer key."""

    id: str = Field(min_length=1, max_length=64)
    type: QuestionType
    prompt: str = Field(min_length=1, max_length=5000)
    options: list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=50
    )
    points: float = Field(default=1.0, gt=0, le=1000)


class Question(QuestionPublic):
    """A question with its answer key (staff only)."""

    model_config = FORBID
    answer: Any

    @model_validator(mode="after")
    def _key_matches_type(self) -> "Question":
        """The answer key must fit the question type and its options."""
        n, key = len(self.options), self.answer
        if self.type in (QuestionType.single_choice, QuestionType.multiple_choice) and n < 2:
            raise ValueError(f"question '{self.id}': choice questions need at least 2 options")
        if self.type == QuestionType.single_choice:
            ok = type(key) is int and 0 <= key < n
        elif self.type == QuestionType.multiple_choice:
            ok = (isinstance(key, list) and bool(key) and all(type(k) is int and 0 <= k < n for k in key)
                  and len(set(key)) == len(key))
        elif self.type == QuestionType.true_false:
            ok = isinstance(key, bool)
        else:
            keys = [key] if isinstance(key, str) else key
            ok = isinstance(keys, list) and bool(keys) and all(isinstance(k, str) and k.strip() for k in keys)
        if not ok:
            raise ValueError(f"question '{self.id}': answer does not fit a {self.type.value} question")
        return self


def _unique_ids(questions: list[Question]) -> list[Question]:
    ids = [q.id for q in questions]
    if len(ids) != len(set(ids)):
        raise ValueError("question ids must be unique")
    return questions


Questions = Annotated[list[Question], AfterValidator(_unique_ids)]


# Courses ---------------------------------------------------------------------------------------

class CourseBase(SQLModel):
    """Fields shared by every course shape."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    type: str = Field(default="self_paced", min_length=1, max_length=40)
    status: CourseStatus = Field(default=CourseStatus.draft, max_length=20)


class CourseCreate(CourseBase):
    """A new course."""

    model_config = FORBID  # type: ignore[assignment]
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    media: list[MediaItem] = Field(default_factory=list, max_length=20)
    drip_schedule: DripSchedule = Field(default_factory=DripSchedule)
    teacher_ids: list[UUID] = Field(default_factory=list, max_length=20)


class CourseUpdate(Patch):
    """A change to a course."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    type: str | None = Field(default=None, min_length=1, max_length=40)
    status: CourseStatus | None = None
    tags: list[Tag] | None = Field(default=None, max_length=30)
    media: list[MediaItem] | None = Field(default=None, max_length=20)
    drip_schedule: DripSchedule | None = None
    teacher_ids: list[UUID] | None = Field(default=None, max_length=20)


class Course(CourseBase, TenantScoped, table=True):
    """A course row."""

    __tablename__ = "courses"
    tags: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False))
    media: list[dict[str, Any]] = json_field(list)
    drip_schedule: dict[str, Any] = json_field(dict)
    teacher_ids: list[UUID] = _uuid_array()
    updated_at: datetime = timestamp_field()


class CoursePublic(CourseBase):
    """A course as the API shows it."""

    id: UUID
    tags: list[str]
    media: list[dict[str, Any]]
    drip_schedule: dict[str, Any]
    teacher_ids: list[UUID]
    created_at: datetime
    updated_at: datetime


class CoursesPublic(SQLModel):
    """A page of courses."""

    data: list[CoursePublic]
    count: int


# Modules ---------------------------------------------------------------------------------------

class ModuleBase(SQLModel):
    """Fields shared by every module shape."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    sequence: int = Field(default=0, ge=0, le=100000)
    unlock_after_days: int = Field(default=0, ge=0, le=3650)


class ModuleCreate(ModuleBase):
    """A new module of the course in the path."""

    model_config = FORBID  # type: ignore[assignment]
    content_block_refs: list[UUID] = Field(default_factory=list, max_length=500)


class ModuleUpdate(Patch):
    """A change to a module."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    sequence: int | None = Field(default=None, ge=0, le=100000)
    unlock_after_days: int | None = Field(default=None, ge=0, le=3650)
    content_block_refs: list[UUID] | None = Field(default=None, max_length=500)


class Module(ModuleBase, TenantScoped, table=True):
    """A module row: an ordered group of content blocks with a drip delay."""

    __tablename__ = "modules"
    course_id: UUID = Field(foreign_key="courses.id", ondelete="CASCADE", index=True)
    content_block_refs: list[UUID] = _uuid_array()
    updated_at: datetime = timestamp_field()


class ModulePublic(ModuleBase):
    """A module; `unlocks_at`/`locked` are set for enrolled students."""

    id: UUID
    course_id: UUID
    content_block_refs: list[UUID]
    created_at: datetime
    updated_at: datetime
    unlocks_at: datetime | None = None
    locked: bool = False


class ModulesPublic(SQLModel):
    """A page of modules."""

    data: list[ModulePublic]
    count: int


# Content blocks --------------------------------------------------------------------------------

class ContentBlockBase(SQLModel):
    """Fields shared by every content block shape."""

    type: ContentType = Field(max_length=20)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=200000)
    storage_key: str | None = Field(default=None, max_length=500)


class ContentBlockCreate(ContentBlockBase):
    """A new content block."""

    model_config = FORBID  # type: ignore[assignment]
    course_id: UUID


class ContentBlockUpdate(Patch):
    """A change to a content block."""

    nullable = frozenset({"storage_key"})

    type: ContentType | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=200000)
    storage_key: str | None = Field(default=None, max_length=500)


class ContentBlock(ContentBlockBase, TenantScoped, table=True):
    """A content block row."""

    __tablename__ = "content_blocks"
    course_id: UUID = Field(foreign_key="courses.id", ondelete="CASCADE", index=True)
    updated_at: datetime = timestamp_field()


class ContentBlockPublic(ContentBlockBase):
    """A content block as the API shows it."""

    id: UUID
    course_id: UUID
    created_at: datetime
    updated_at: datetime


class ContentBlocksPublic(SQLModel):
    """A page of content blocks."""

    data: list[ContentBlockPublic]
    count: int


# Assessments -----------------------------------------------------------------------------------

class AssessmentBase(SQLModel):
    """Fields shared by every assessment shape."""

    title: str = Field(min_length=1, max_length=200)
    type: AssessmentType = Field(default=AssessmentType.quiz, max_length=20)
    pass_score: float = Field(default=50.0, ge=0, le=100)
    time_limit: int | None = Field(default=None, gt=0, le=100000, description="Minutes")
    late_policy: LatePolicy = Field(default=LatePolicy.refuse, max_length=20)
    proctored: bool = False


class AssessmentCreate(AssessmentBase):
    """A new assessment with its answer keys."""

    model_config = FORBID  # type: ignore[assignment]
    course_id: UUID
    questions: Questions = Field(default_factory=list, max_length=500)


class AssessmentUpdate(Patch):
    """A change to an assessment."""

    nullable = frozenset({"time_limit"})

    title: str | None = Field(default=None, min_length=1, max_length=200)
    type: AssessmentType | None = None
    pass_score: float | None = Field(default=None, ge=0, le=100)
    time_limit: int | None = Field(default=None, gt=0, le=100000)
    late_policy: LatePolicy | None = None
    proctored: bool | None = None
    questions: Questions | None = Field(default=None, max_length=500)


class Assessment(AssessmentBase, TenantScoped, table=True):
    """An assessment row; `questions` holds answer keys."""

    __tablename__ = "assessments"
    course_id: UUID = Field(foreign_key="courses.id", ondelete="CASCADE", index=True)
    questions: list[dict[str, Any]] = json_field(list)
    updated_at: datetime = timestamp_field()


class AssessmentPublic(AssessmentBase):
    """An assessment as a student sees it."""

    id: UUID
    course_id: UUID
    questions: list[QuestionPublic]
    created_at: datetime
    updated_at: datetime


class AssessmentStaff(AssessmentPublic):
    """An assessment with answer keys, for the staff who manage its course."""

    questions: list[Question]  # type: ignore[assignment]


class AssessmentsPublic(SQLModel):
    """A page of assessments (answer keys only for staff who manage the course)."""

    data: list[AssessmentStaff | AssessmentPublic]
    count: int


# Enrolments ------------------------------------------------------------------------------------

class EnrollmentCreate(SQLModel):
    """Enrol a student user in a course."""

    model_config = FORBID  # type: ignore[assignment]
    student_id: UUID
    course_id: UUID
    enrolled_at: datetime | None = None


class EnrollmentUpdate(Patch):
    """A change to an enrolment."""

    status: EnrollmentStatus | None = None
    progress: int | None = Field(default=None, ge=0, le=100)
    enrolled_at: datetime | None = None


class Enrollment(TenantScoped, table=True):
    """An enrolment row: one per student and course."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_course"),)
    student_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    course_id: UUID = Field(foreign_key="courses.id", ondelete="CASCADE", index=True)
    status: EnrollmentStatus = Field(default=EnrollmentStatus.active, max_length=20)
    progress: int = 0
    enrolled_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class EnrollmentPublic(SQLModel):
    """An enrolment as the API shows it."""

    id: UUID
    student_id: UUID
    course_id: UUID
    status: EnrollmentStatus
    progress: int
    enrolled_at: datetime
    created_at: datetime
    updated_at: datetime


class EnrollmentsPublic(SQLModel):
    """A page of enrolments."""

    data: list[EnrollmentPublic]
    count: int


# Attempts --------------------------------------------------------------------------------------

Answers = dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Any]


class AttemptAnswers(SQLModel):
    """Answers keyed by question id (the body of save and submit)."""

    model_config = FORBID  # type: ignore[assignment]
    answers: Answers = Field(default_factory=dict, max_length=500)


class AssessmentAttempt(TenantScoped, table=True):
    """An attempt row."""

    __tablename__ = "assessment_attempts"
    assessment_id: UUID = Field(foreign_key="assessments.id", ondelete="CASCADE", index=True)
    student_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    answers: dict[str, Any] = json_field(dict)
    score: float | None = None
    passed: bool | None = None
    started_at: datetime = timestamp_field()
    submitted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    late: bool = False
    proctored: bool = False
    status: AttemptStatus = Field(default=AttemptStatus.in_progress, max_length=20)


class AttemptPublic(SQLModel):
    """An attempt as the API shows it."""

    id: UUID
    assessment_id: UUID
    student_id: UUID
    answers: dict[str, Any]
    score: float | None
    passed: bool | None
    started_at: datetime
    submitted_at: datetime | None
    deadline: datetime | None = None
    late: bool
    proctored: bool
    status: AttemptStatus
    created_at: datetime


class AttemptsPublic(SQLModel):
    """A page of attempts."""

    data: list[AttemptPublic]
    count: int


# Certificates ----------------------------------------------------------------------------------

class CertificateCreate(SQLModel):
    """Issue (or hold) a certificate for a user and course."""

    model_config = FORBID  # type: ignore[assignment]
    user_id: UUID
    course_id: UUID
    attempt_id: UUID | None = None
    score: float | None = Field(default=None, ge=0, le=100)
    template_id: str | None = Field(default=None, min_length=1, max_length=100)
    status: CertificateStatus = CertificateStatus.issued


class CertificateUpdate(Patch):
    """A change to a certificate (release, withhold, revoke, re-template)."""

    nullable = frozenset({"template_id", "score"})

    status: CertificateStatus | None = None
    template_id: str | None = Field(default=None, min_length=1, max_length=100)
    score: float | None = Field(default=None, ge=0, le=100)


class Certificate(TenantScoped, table=True):
    """A certificate row with its public verification code."""

    __tablename__ = "certificates"
    user_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    course_id: UUID = Field(foreign_key="courses.id", ondelete="CASCADE", index=True)
    attempt_id: UUID | None = Field(default=None, foreign_key="assessment_attempts.id",
                                    ondelete="SET NULL", index=True)
    score: float | None = None
    template_id: str | None = Field(default=None, max_length=100)
    verification_code: str = Field(max_length=64, unique=True)
    issued_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    status: CertificateStatus = Field(default=CertificateStatus.issued, max_length=20)
    updated_at: datetime = timestamp_field()


class CertificatePublic(SQLModel):
    """A certificate as the API shows it."""

    id: UUID
    user_id: UUID
    course_id: UUID
    attempt_id: UUID | None
    score: float | None
    template_id: str | None
    verification_code: str
    issued_at: datetime | None
    status: CertificateStatus
    created_at: datetime
    updated_at: datetime


class CertificatesPublic(SQLModel):
    """A page of certificates."""

    data: list[CertificatePublic]
    count: int


class StudentProgress(SQLModel):
    """A student's standing in one course (for tools and dashboards)."""

    student_id: UUID
    course_id: UUID
    enrollment_status: EnrollmentStatus
    progress: int
    enrolled_at: datetime
    modules_total: int
    modules_unlocked: int
    attempts: int
    best_score: float | None
    assessments_passed: int
    certificate_status: CertificateStatus | None
