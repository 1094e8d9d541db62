"""The proctor's pages: review queue, session timeline with evidence frames, and the decision."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlmodel import Session

from cognify.errors import NotFound
from cognify.storage import get_store
from domain.certification.service import attempt_certificate
from domain.identity.models import User
from domain.lms.models import Assessment, AssessmentAttempt
from domain.privacy.access_log import log_reads
from proctoring import live, review
from proctoring.enrolment import enrolment_of
from proctoring.models import Decision, DecisionIn, ProctoringSession, SessionStatus
from web.agent_runs import SSE_HEADERS
from web.rendering import HtmlRoute, templates
from web.session import Visitor, needs, needs_posting

router = APIRouter(prefix="/app/proctor", route_class=HtmlRoute, include_in_schema=False)
Proctor = Annotated[Visitor, Depends(needs("proctor"))]
PostingProctor = Annotated[Visitor, Depends(needs_posting("proctor"))]
PRIVATE = {"Cache-Control": "private, no-store"}


def _names(session: Session, user_ids: set[UUID]) -> dict[UUID, str]:
    names = {}
    for user_id in user_ids:
        user = session.get(User, user_id)
        names[user_id] = (user.full_name or user.email) if user else "Unknown student"
    return names


@router.get("/queue")
def queue(request: Request, visitor: Proctor, offset: int = 0) -> Response:
    """Flagged sessions awaiting a decision, oldest first, with score and top reasons."""
    items, count = review.review_queue(visitor.session, 50, max(offset, 0))
    names = _names(visitor.session, {item.student_id for item in items})
    return templates.TemplateResponse(
        request, "proctor_queue.html", visitor.page(items=items, count=count, names=names), headers=PRIVATE
    )


def _session_context(visitor: Visitor, session_id: UUID) -> dict[str, object]:
    evidence_base = f"{router.prefix}/sessions/{session_id}/evidence"
    timeline = review.timeline(visitor.session, session_id, evidence_base)
    row = visitor.session.get(ProctoringSession, session_id)
    assert row is not None
    log_reads(visitor.session, visitor.actor, "proctoring_session", "GET /app/proctor/sessions/{session_id}",
              [(row.student_id, None, session_id)])
    attempt = visitor.session.get(AssessmentAttempt, row.attempt_id)
    assessment = visitor.session.get(Assessment, attempt.assessment_id) if attempt else None
    return {
        "timeline": timeline,
        "certificate": attempt_certificate(visitor.session, row.attempt_id),
        "student": _names(visitor.session, {row.student_id})[row.student_id],
        "assessment": assessment,
        "decisions": list(Decision),
        "authors": _names(visitor.session, {n.author_id for n in timeline.notes if n.author_id}),
        "enrolment_url": (f"{router.prefix}/sessions/{session_id}/enrolment-photo"
                          if enrolment_of(visitor.session, row.student_id) else None),
    }


@router.get("/sessions/{session_id}")
def session_page(request: Request, visitor: Proctor, session_id: UUID) -> Response:
    """A session's timeline: face, browser and score events, evidence frames, decision form."""
    context = _session_context(visitor, session_id)
    page = visitor.page(**context)
    return templates.TemplateResponse(request, "proctor_session.html", page, headers=PRIVATE)


@router.get("/sessions/{session_id}/evidence/{event_id}")
def evidence(visitor: Proctor, session_id: UUID, event_id: UUID) -> Response:
    """An event's evidence frame, for the tenant's proctors only and never cached."""
    frame = review.evidence(visitor.session, session_id, event_id)
    row = visitor.session.get(ProctoringSession, session_id)
    log_reads(visitor.session, visitor.actor, "proctoring_evidence",
              "GET /app/proctor/sessions/{session_id}/evidence/{event_id}",
              [(row.student_id if row else None, None, event_id)])
    return Response(frame, media_type="image/jpeg", headers=PRIVATE)


@router.get("/sessions/{session_id}/enrolment-photo")
def enrolment_photo(visitor: Proctor, session_id: UUID) -> Response:
    """The session's student's enrolment photo, shown beside identity_mismatch evidence."""
    row = visitor.session.get(ProctoringSession, session_id)
    photo = enrolment_of(visitor.session, row.student_id) if row else None
    if row is None or photo is None:
        raise NotFound("No enrolment photo")
    log_reads(visitor.session, visitor.actor, "proctoring_enrolment",
              "GET /app/proctor/sessions/{session_id}/enrolment-photo", [(row.student_id, None, photo.id)])
    return Response(get_store().get(photo.photo_key), media_type="image/jpeg", headers=PRIVATE)


@router.post("/sessions/{session_id}/decision")
def decide(
    request: Request,
    visitor: PostingProctor,
    session_id: UUID,
    decision: Annotated[Decision, Form()],
    note: Annotated[str, Form(min_length=1, max_length=5000)],
) -> Response:
    """Record the final decision; htmx swaps in the decision panel, plain forms get a redirect."""
    review.decide(visitor.session, visitor.actor, session_id, DecisionIn(decision=decision, note=note))
    visitor.session.flush()
    if request.headers.get("hx-request") == "true":
        context = _session_context(visitor, session_id)
        return templates.TemplateResponse(request, "_decision.html", visitor.page(**context), headers=PRIVATE)
    return RedirectResponse(f"{router.prefix}/sessions/{session_id}", status_code=303)


@router.get("/live")
def live_page(request: Request, visitor: Proctor) -> Response:
    """Live sessions in progress: latest frame, current flags and browser events, pushed over SSE."""
    cards = live.live_cards(visitor.session)
    page = visitor.page(cards=cards)
    return templates.TemplateResponse(request, "proctor_live.html", page, headers=PRIVATE)


@router.get("/live/stream")
def live_stream(visitor: Proctor) -> StreamingResponse:
    """Server-Sent Events: a `card` event whenever a session of the tenant changes."""
    return StreamingResponse(live.stream(visitor.actor.tenant_id), media_type="text/event-stream",
                             headers={**SSE_HEADERS, **PRIVATE})


@router.get("/live/{session_id}/frame")
def live_frame(visitor: Proctor, session_id: UUID) -> Response:
    """The latest frame of a live session of the tenant (kept for two minutes)."""
    row = visitor.session.get(ProctoringSession, session_id)
    frame = live.latest_frame(session_id) if row is not None and row.status == SessionStatus.open else None
    if row is None or frame is None:
        raise NotFound("No recent frame")
    log_reads(visitor.session, visitor.actor, "proctoring_live_frame",
              "GET /app/proctor/live/{session_id}/frame", [(row.student_id, None, session_id)])
    return Response(frame, media_type="image/jpeg", headers=PRIVATE)


@router.post("/sessions/{session_id}/notes")
def add_note(
    request: Request, visitor: PostingProctor, session_id: UUID,
    body: Annotated[str, Form(min_length=1, max_length=5000)],
) -> Response:
    """A note on a session, from the live view or the review page (back to where it was written)."""
    live.add_note(visitor.session, visitor.actor, session_id, body)
    back = f"{router.prefix}/sessions/{session_id}"
    if request.query_params.get("from") == "live":
        back = f"{router.prefix}/live"
    return RedirectResponse(back, status_code=303)


@router.post("/sessions/{session_id}/end")
def end_session(
    visitor: PostingProctor, session_id: UUID, reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """End a live session for cause; the proctor lands on its review."""
    live.end_for_cause(visitor.session, visitor.actor, session_id, reason)
    return RedirectResponse(f"{router.prefix}/sessions/{session_id}", status_code=303)
