"""Attempts: one open attempt per student and assessment, time limits, auto-grading on submit."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.crud import order_by, page, where_equal
from cognify.errors import Conflict, Forbidden, NotFound
from cognify.models import utcnow
from cognify.security import Actor
from domain.lms.access import can_see_record, manages, record_scope
from domain.lms.models import (
    Assessment,
    AssessmentAttempt,
    AttemptPublic,
    AttemptStatus,
    Course,
    CourseStatus,
    LatePolicy,
)
from domain.lms.service.assessments import get_assessment
from domain.lms.service.drip import learning_enrollment
from domain.lms.service.grading import check_answers, grade

ATTEMPT_SORTS = ("started_at", "submitted_at", "score", "status", "created_at")


def deadline(assessment: Assessment, attempt: AssessmentAttempt) -> datetime | None:
    """When the attempt's time runs out, if the assessment has a time limit."""
    if assessment.time_limit is None:
        return None
    return attempt.started_at + timedelta(minutes=assessment.time_limit)


def _overdue(assessment: Assessment, attempt: AssessmentAttempt) -> bool:
    end = deadline(assessment, attempt)
    return end is not None and utcnow() > end


def attempt_view(session: Session, attempt: AssessmentAttempt) -> AttemptPublic:
    """The attempt with its deadline."""
    assessment = session.get(Assessment, attempt.assessment_id)
    end = deadline(assessment, attempt) if assessment else None
    return AttemptPublic.model_validate(attempt, update={"deadline": end})


def start_attempt(session: Session, actor: Actor, assessment_id: UUID) -> AssessmentAttempt:
    """Open an attempt for the acting student, who must be enrolled in the course."""
    assessment = get_assessment(session, actor, assessment_id)
    course = session.get(Course, assessment.course_id)
    if not actor.can("assessments:take"):
        raise Forbidden("Missing permission 'assessments:take'")
    if (course is None or course.status != CourseStatus.published
            or learning_enrollment(session, actor.user_id, assessment.course_id) is None):
        raise Forbidden("Only students enrolled in this course can take its assessments")
    open_attempt = session.exec(
        select(AssessmentAttempt).where(
            AssessmentAttempt.assessment_id == assessment.id, AssessmentAttempt.student_id == actor.user_id,
            AssessmentAttempt.status == AttemptStatus.in_progress,
        ).with_for_update()
    ).first()
    if open_attempt is not None:
        if not (_overdue(assessment, open_attempt) and assessment.late_policy == LatePolicy.refuse):
            raise Conflict("You already have an attempt in progress for this assessment",
                           code="attempt_in_progress", details={"attempt_id": str(open_attempt.id)})
        open_attempt.status = AttemptStatus.expired
        session.add(open_attempt)
        session.flush()
    attempt = AssessmentAttempt(assessment_id=assessment.id, student_id=actor.user_id,
                                proctored=assessment.proctored)
    session.add(attempt)
    session.flush()
    return attempt


def _visible(
    session: Session, actor: Actor, attempt_id: UUID
) -> tuple[AssessmentAttempt, Assessment, Course]:
    attempt = session.get(AssessmentAttempt, attempt_id)
    assessment = session.get(Assessment, attempt.assessment_id) if attempt else None
    course = session.get(Course, assessment.course_id) if assessment else None
    if attempt is None or assessment is None or course is None or not can_see_record(
        session, actor, attempt.student_id, course
    ):
        raise NotFound("Attempt not found")
    return attempt, assessment, course


def get_attempt(session: Session, actor: Actor, attempt_id: UUID) -> AssessmentAttempt:
    """One attempt: the student's own, a child's, or of a course the actor manages."""
    return _visible(session, actor, attempt_id)[0]


def list_attempts(
    session: Session, actor: Actor, *, assessment_id: UUID | None = None, student_id: UUID | None = None,
    status: AttemptStatus | None = None, passed: bool | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[AssessmentAttempt], int]:
    """Attempts the actor may see, filtered."""
    course_id = select(Assessment.course_id).where(
        Assessment.id == AssessmentAttempt.assessment_id
    ).scalar_subquery()
    scope = record_scope(session, actor, col(AssessmentAttempt.student_id), course_id)
    query = where_equal(select(AssessmentAttempt).where(scope), AssessmentAttempt, {
        "assessment_id": assessment_id, "student_id": student_id, "status": status, "passed": passed,
    })
    return page(session, order_by(query, AssessmentAttempt, sort, ATTEMPT_SORTS, default="-started_at"),
                limit, offset)


def _own_open(session: Session, actor: Actor, attempt_id: UUID) -> tuple[AssessmentAttempt, Assessment]:
    attempt, assessment, _ = _visible(session, actor, attempt_id)
    if attempt.student_id != actor.user_id:
        raise Forbidden("Only the student sitting an attempt can answer it")
    if attempt.status != AttemptStatus.in_progress:
        raise Conflict(f"This attempt is {attempt.status.value}", code="attempt_closed")
    if _overdue(assessment, attempt) and assessment.late_policy == LatePolicy.refuse:
        raise Conflict(
            f"The time limit of {assessment.time_limit} minutes has passed; the submission is refused",
            code="time_limit_exceeded",
        )
    return attempt, assessment


def save_answers(
    session: Session, actor: Actor, attempt_id: UUID, answers: dict[str, Any]
) -> AssessmentAttempt:
    """Merge answers into the acting student's open attempt without grading."""
    attempt, assessment = _own_open(session, actor, attempt_id)
    check_answers(assessment.questions, answers)
    attempt.answers = {**attempt.answers, **answers}
    session.add(attempt)
    session.flush()
    return attempt


def submit_attempt(
    session: Session, actor: Actor, attempt_id: UUID, answers: dict[str, Any]
) -> AssessmentAttempt:
    """Grade and close the acting student's attempt; late ones are refused or marked by policy."""
    attempt, assessment = _own_open(session, actor, attempt_id)
    check_answers(assessment.questions, answers)
    final = {**attempt.answers, **answers}
    attempt.late = _overdue(assessment, attempt)
    attempt.score, attempt.passed = grade(assessment.questions, final, assessment.pass_score)
    attempt.answers = final
    attempt.submitted_at = utcnow()
    attempt.status = AttemptStatus.submitted
    session.add(attempt)
    session.flush()
    return attempt


def delete_attempt(session: Session, actor: Actor, attempt_id: UUID) -> None:
    """Delete an attempt (staff who manage the course only)."""
    attempt, _, course = _visible(session, actor, attempt_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    session.delete(attempt)
    session.flush()
