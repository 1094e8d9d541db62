"""The student's exam page: consent, camera frames and browser monitor events to proctoring, submit."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, select

from cognify.errors import Conflict, NotFound
from domain.certification.service import attempt_certificate
from domain.lms.models import Assessment, AssessmentAttempt, AttemptStatus, QuestionPublic, QuestionType
from domain.lms.service import assessments, attempts
from domain.privacy.consent import ConsentCreate, Purpose, has_consent, record_consent
from proctoring import sessions
from proctoring.models import BrowserEventsIn, ProctoringSession, SessionCreate, SessionStatus
from proctoring.uploads import MAX_FRAME_BYTES, is_image, limited_body
from web.rendering import HtmlRoute, templates
from web.session import Visitor, needs, needs_posting

PROCTORING_NOTICE_VERSION = "exam-page-1"  # the notice on exam.html; bump when its text changes

router = APIRouter(prefix="/app", route_class=HtmlRoute, include_in_schema=False)
Student = Annotated[Visitor, Depends(needs("assessments:take"))]
PostingStudent = Annotated[Visitor, Depends(needs_posting("assessments:take"))]
FrameBody = Annotated[bytes, Depends(limited_body(MAX_FRAME_BYTES, is_image, "frame"))]


def _open_attempt(session: Session, student_id: UUID, assessment_id: UUID) -> AssessmentAttempt | None:
    query = select(AssessmentAttempt).where(
        AssessmentAttempt.assessment_id == assessment_id,
        AssessmentAttempt.student_id == student_id,
        AssessmentAttempt.status == AttemptStatus.in_progress,
    )
    return session.exec(query).first()


def _session_of(session: Session, attempt_id: UUID) -> ProctoringSession | None:
    return session.exec(select(ProctoringSession).where(ProctoringSession.attempt_id == attempt_id)).first()


@router.get("/exams/{assessment_id}")
def exam_start_page(request: Request, visitor: Student, assessment_id: UUID) -> Response:
    """An assessment's cover page, or the student's attempt in progress."""
    exam = assessments.get_assessment(visitor.session, visitor.actor, assessment_id)
    current = _open_attempt(visitor.session, visitor.actor.user_id, exam.id)
    if current is not None:
        return RedirectResponse(f"/app/attempts/{current.id}", status_code=303)
    return templates.TemplateResponse(request, "exam_start.html", visitor.page(exam=exam))


@router.post("/exams/{assessment_id}/start")
def start(visitor: PostingStudent, assessment_id: UUID) -> Response:
    """Open an attempt and go to the exam page."""
    attempt = attempts.start_attempt(visitor.session, visitor.actor, assessment_id)
    return RedirectResponse(f"/app/attempts/{attempt.id}", status_code=303)


def _own_attempt(visitor: Visitor, attempt_id: UUID) -> tuple[AssessmentAttempt, Assessment]:
    attempt = attempts.get_attempt(visitor.session, visitor.actor, attempt_id)
    if attempt.student_id != visitor.actor.user_id:
        raise NotFound("Attempt not found")
    exam = visitor.session.get(Assessment, attempt.assessment_id)
    assert exam is not None
    return attempt, exam


@router.get("/attempts/{attempt_id}")
def attempt_page(request: Request, visitor: Student, attempt_id: UUID) -> Response:
    """The exam page: camera consent, what is recorded, the questions; or the result once submitted."""
    attempt, exam = _own_attempt(visitor, attempt_id)
    questions = [QuestionPublic.model_validate(q) for q in exam.questions]
    proctoring = _session_of(visitor.session, attempt.id)
    context = visitor.page(
        attempt=attempt,
        exam=exam,
        questions=questions,
        proctoring=proctoring,
        certificate=attempt_certificate(visitor.session, attempt.id),
    )
    return templates.TemplateResponse(request, "exam.html", context)


class ProctoringStart(BaseModel):
    """The exam page's start: `consent` is true when the student pressed "I agree"."""

    model_config = ConfigDict(extra="forbid")
    consent: bool = False


@router.post("/attempts/{attempt_id}/proctoring")
def start_proctoring(visitor: PostingStudent, attempt_id: UUID, body: ProctoringStart) -> dict[str, Any]:
    """Start (or rejoin) live proctoring of the attempt; the student's "I agree" is stored as their
    `proctoring_recording` consent to this page's notice."""
    if body.consent and not has_consent(visitor.session, visitor.actor.tenant_id, visitor.actor.user_id,
                                        Purpose.proctoring_recording):
        record_consent(visitor.session, visitor.actor, ConsentCreate(
            purpose=Purpose.proctoring_recording, granted=True, text_version=PROCTORING_NOTICE_VERSION),
            method="exam_page")
    existing = _session_of(visitor.session, attempt_id)
    if existing is not None and existing.student_id == visitor.actor.user_id:
        if existing.status != SessionStatus.open:
            raise Conflict(f"This proctoring session is {existing.status.value}", code="session_closed")
        row = existing
    else:
        row = sessions.start_session(visitor.session, visitor.actor, SessionCreate(attempt_id=attempt_id))
    elapsed = row.last_t or 0.0
    return {"session_id": str(row.id), "sample_fps": row.sample_fps, "resume_from_s": elapsed}


@router.post("/proctoring/{session_id}/frames")
def post_frame(
    visitor: PostingStudent, session_id: UUID, data: FrameBody, t: Annotated[float, Query(ge=0, le=86400)]
) -> dict[str, Any]:
    """One webcam JPEG, analysed by the proctoring service."""
    row = sessions.add_frame(visitor.session, visitor.actor, session_id, data, t)
    return {"t": t, "frames_processed": row.frames_processed}


@router.post("/proctoring/{session_id}/events", status_code=201)
def post_events(visitor: PostingStudent, session_id: UUID, body: BrowserEventsIn) -> dict[str, int]:
    """Browser monitor events for the session's timeline."""
    return {
        "accepted": len(sessions.add_browser_events(visitor.session, visitor.actor, session_id, body.events))
    }


def _answer(question: QuestionPublic, values: list[str]) -> Any:
    if not values or values == [""]:
        return None
    if question.type == QuestionType.multiple_choice:
        return [int(v) for v in values if v.isdigit()]
    if question.type == QuestionType.single_choice:
        return int(values[0]) if values[0].isdigit() else values[0]
    if question.type == QuestionType.true_false:
        return {"true": True, "false": False}.get(values[0], values[0])
    return values[0]


@router.post("/attempts/{attempt_id}/submit")
async def submit(request: Request, visitor: PostingStudent, attempt_id: UUID) -> Response:
    """End live proctoring and submit the answers; the result page shows the certificate state."""
    form = await request.form()

    def run() -> None:
        attempt, exam = _own_attempt(visitor, attempt_id)
        questions = [QuestionPublic.model_validate(q) for q in exam.questions]
        answers = {q.id: _answer(q, [str(v) for v in form.getlist(f"q:{q.id}")]) for q in questions}
        live = _session_of(visitor.session, attempt.id)
        if live is not None and live.status == SessionStatus.open and live.frames_processed:
            sessions.finish_session(visitor.session, visitor.actor, live.id)
        attempts.submit_attempt(
            visitor.session, visitor.actor, attempt.id, {k: v for k, v in answers.items() if v is not None}
        )

    await run_in_threadpool(run)
    return RedirectResponse(f"/app/attempts/{attempt_id}", status_code=303)
