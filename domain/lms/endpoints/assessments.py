"""Routes for assessments and attempts."""

from uuid import UUID

from fastapi import APIRouter, Response, status

from cognify.api import PageDep, SessionDep, SortParam
from cognify.security import Actor
from domain.identity.deps import CurrentActor
from domain.lms.models import (
    AssessmentAttempt,
    AssessmentCreate,
    AssessmentPublic,
    AssessmentsPublic,
    AssessmentStaff,
    AssessmentType,
    AssessmentUpdate,
    AttemptAnswers,
    AttemptPublic,
    AttemptsPublic,
    AttemptStatus,
)
from domain.lms.service import assessments, attempts
from domain.privacy.access_log import log_reads

router = APIRouter(prefix="/api/v1", tags=["lms"])
NO_CONTENT = status.HTTP_204_NO_CONTENT
AssessmentOut = AssessmentStaff | AssessmentPublic


@router.post("/assessments", response_model=AssessmentStaff, status_code=status.HTTP_201_CREATED)
def create_assessment(session: SessionDep, actor: CurrentActor, body: AssessmentCreate) -> AssessmentOut:
    """Create an assessment with answer keys in a course the caller manages."""
    return assessments.assessment_view(session, actor, assessments.create_assessment(session, actor, body))


@router.get("/assessments", response_model=AssessmentsPublic)
def list_assessments(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    course_id: UUID | None = None, type: AssessmentType | None = None, proctored: bool | None = None,
) -> AssessmentsPublic:
    """Assessments the caller may see; answer keys only for the course's staff."""
    rows, count = assessments.list_assessments(
        session, actor, course_id=course_id, type=type, proctored=proctored, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    return AssessmentsPublic(data=[assessments.assessment_view(session, actor, a) for a in rows], count=count)


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
def read_assessment(session: SessionDep, actor: CurrentActor, assessment_id: UUID) -> AssessmentOut:
    """One assessment (students get no answer keys)."""
    found = assessments.get_assessment(session, actor, assessment_id)
    return assessments.assessment_view(session, actor, found)


@router.patch("/assessments/{assessment_id}", response_model=AssessmentStaff)
def update_assessment(
    session: SessionDep, actor: CurrentActor, assessment_id: UUID, body: AssessmentUpdate
) -> AssessmentOut:
    """Change an assessment."""
    changed = assessments.update_assessment(session, actor, assessment_id, body)
    return assessments.assessment_view(session, actor, changed)


@router.delete("/assessments/{assessment_id}", status_code=NO_CONTENT)
def delete_assessment(session: SessionDep, actor: CurrentActor, assessment_id: UUID) -> Response:
    """Delete an assessment."""
    assessments.delete_assessment(session, actor, assessment_id)
    return Response(status_code=NO_CONTENT)


@router.post("/assessments/{assessment_id}/attempts", response_model=AttemptPublic,
             status_code=status.HTTP_201_CREATED)
def start_attempt(session: SessionDep, actor: CurrentActor, assessment_id: UUID) -> AttemptPublic:
    """Start an attempt as the calling student."""
    return attempts.attempt_view(session, attempts.start_attempt(session, actor, assessment_id))


def _page(
    session: SessionDep, actor: Actor, rows: list[AssessmentAttempt], count: int, via: str
) -> AttemptsPublic:
    log_reads(session, actor, "assessment_attempt", via, ((a.student_id, None, a.id) for a in rows))
    return AttemptsPublic(data=[attempts.attempt_view(session, a) for a in rows], count=count)


@router.get("/assessments/{assessment_id}/attempts", response_model=AttemptsPublic)
def list_assessment_attempts(
    session: SessionDep, actor: CurrentActor, assessment_id: UUID, page: PageDep, sort: SortParam = None,
    student_id: UUID | None = None, status: AttemptStatus | None = None, passed: bool | None = None,
) -> AttemptsPublic:
    """Attempts at one assessment the caller may see."""
    assessments.get_assessment(session, actor, assessment_id)
    rows, count = attempts.list_attempts(
        session, actor, assessment_id=assessment_id, student_id=student_id, status=status, passed=passed,
        sort=sort, limit=page.limit, offset=page.offset,
    )
    return _page(session, actor, rows, count, "GET /api/v1/assessments/{assessment_id}/attempts")


@router.get("/attempts", response_model=AttemptsPublic)
def list_attempts(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    assessment_id: UUID | None = None, student_id: UUID | None = None, status: AttemptStatus | None = None,
    passed: bool | None = None,
) -> AttemptsPublic:
    """Attempts the caller may see: own, children's, or of courses they manage."""
    rows, count = attempts.list_attempts(
        session, actor, assessment_id=assessment_id, student_id=student_id, status=status, passed=passed,
        sort=sort, limit=page.limit, offset=page.offset,
    )
    return _page(session, actor, rows, count, "GET /api/v1/attempts")


@router.get("/attempts/{attempt_id}", response_model=AttemptPublic)
def read_attempt(session: SessionDep, actor: CurrentActor, attempt_id: UUID) -> AttemptPublic:
    """One attempt."""
    attempt = attempts.get_attempt(session, actor, attempt_id)
    log_reads(session, actor, "assessment_attempt", "GET /api/v1/attempts/{attempt_id}",
              [(attempt.student_id, None, attempt.id)])
    return attempts.attempt_view(session, attempt)


@router.patch("/attempts/{attempt_id}", response_model=AttemptPublic)
def save_answers(
    session: SessionDep, actor: CurrentActor, attempt_id: UUID, body: AttemptAnswers
) -> AttemptPublic:
    """Save answers to the caller's open attempt without submitting."""
    return attempts.attempt_view(session, attempts.save_answers(session, actor, attempt_id, body.answers))


@router.post("/attempts/{attempt_id}/submit", response_model=AttemptPublic)
def submit_attempt(
    session: SessionDep, actor: CurrentActor, attempt_id: UUID, body: AttemptAnswers
) -> AttemptPublic:
    """Submit the caller's attempt and grade it."""
    return attempts.attempt_view(session, attempts.submit_attempt(session, actor, attempt_id, body.answers))


@router.delete("/attempts/{attempt_id}", status_code=NO_CONTENT)
def delete_attempt(session: SessionDep, actor: CurrentActor, attempt_id: UUID) -> Response:
    """Delete an attempt (staff who manage the course)."""
    attempts.delete_attempt(session, actor, attempt_id)
    return Response(status_code=NO_CONTENT)
