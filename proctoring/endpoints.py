"""Proctoring routes: the exam page's session API and the proctor's review API."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from cognify.api import PageDep, SessionDep
from cognify.security import Actor
from cognify.storage import get_store
from domain.identity.deps import CurrentActor, require
from domain.privacy.access_log import log_reads
from proctoring import enrolment, live, review, sessions
from proctoring.models import (
    BrowserEventsIn,
    DecisionIn,
    EndIn,
    Enrolment,
    EnrolmentPublic,
    FrameAccepted,
    NoteIn,
    NotePublic,
    ReviewQueue,
    SessionCreate,
    SessionPublic,
    Timeline,
)
from proctoring.uploads import (
    MAX_FRAME_BYTES,
    MAX_VIDEO_BYTES,
    is_image,
    is_video,
    limited_body,
)

router = APIRouter(prefix="/api/v1/proctoring", tags=["proctoring"])
Proctor = Annotated[Actor, Depends(require("proctor"))]
FrameBody = Annotated[bytes, Depends(limited_body(MAX_FRAME_BYTES, is_image, "frame"))]
PhotoBody = Annotated[bytes, Depends(limited_body(MAX_FRAME_BYTES * 4, is_image, "photo"))]
VideoBody = Annotated[bytes, Depends(limited_body(MAX_VIDEO_BYTES, is_video, "recording"))]
PRIVATE = {"Cache-Control": "private, no-store"}


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
def start_session(session: SessionDep, actor: CurrentActor, body: SessionCreate) -> SessionPublic:
    """Start proctoring the caller's own in-progress proctored attempt."""
    return SessionPublic.model_validate(sessions.start_session(session, actor, body))


@router.get("/sessions/{session_id}", response_model=SessionPublic)
def read_session(session: SessionDep, actor: CurrentActor, session_id: UUID) -> SessionPublic:
    """A session with analysis progress (its student, or a proctor)."""
    return SessionPublic.model_validate(sessions.visible_session(session, actor, session_id))


@router.post("/sessions/{session_id}/frames", response_model=FrameAccepted)
def post_frame(
    session: SessionDep, actor: CurrentActor, session_id: UUID, data: FrameBody,
    t: Annotated[float, Query(ge=0, le=86400, description="Seconds since the session started")],
) -> FrameAccepted:
    """Analyse one webcam JPEG (raw body, at most 2 MB); timestamps must increase."""
    row = sessions.add_frame(session, actor, session_id, data, t)
    return FrameAccepted(t=t, frames_processed=row.frames_processed)


@router.post("/sessions/{session_id}/events", status_code=status.HTTP_201_CREATED)
def post_events(
    session: SessionDep, actor: CurrentActor, session_id: UUID, body: BrowserEventsIn
) -> dict[str, int]:
    """Add a batch of browser monitor events to the timeline."""
    return {"accepted": len(sessions.add_browser_events(session, actor, session_id, body.events))}


@router.post("/sessions/{session_id}/video", response_model=SessionPublic,
             status_code=status.HTTP_202_ACCEPTED)
def post_video(session: SessionDep, actor: CurrentActor, session_id: UUID, data: VideoBody) -> SessionPublic:
    """Upload the session's recording (raw video body); analysed in the background with progress."""
    return SessionPublic.model_validate(sessions.store_video(session, actor, session_id, data))


@router.put("/enrolments/{user_id}", response_model=EnrolmentPublic)
def put_enrolment(
    session: SessionDep, actor: CurrentActor, user_id: UUID, data: PhotoBody
) -> EnrolmentPublic:
    """Set a student's enrolment photo (raw JPEG body, one face; needs their `biometric_identity`
    consent): the student, or a proctor. Their sessions' faces are compared with it."""
    return _enrolment_public(enrolment.set_enrolment(session, actor, user_id, data))


@router.get("/enrolments/{user_id}", response_model=EnrolmentPublic)
def read_enrolment(session: SessionDep, actor: CurrentActor, user_id: UUID) -> EnrolmentPublic:
    """Whether a student has an enrolment photo (the student, or a proctor)."""
    return _enrolment_public(enrolment.visible_enrolment(session, actor, user_id))


@router.get("/enrolments/{user_id}/photo", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def read_enrolment_photo(session: SessionDep, actor: CurrentActor, user_id: UUID) -> Response:
    """The enrolment photo (the student, or a proctor; never cached)."""
    row = enrolment.visible_enrolment(session, actor, user_id)
    log_reads(session, actor, "proctoring_enrolment", "GET /api/v1/proctoring/enrolments/{user_id}/photo",
              [(user_id, None, row.id)])
    return Response(get_store().get(row.photo_key), media_type="image/jpeg", headers=PRIVATE)


@router.delete("/enrolments/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_enrolment(session: SessionDep, actor: CurrentActor, user_id: UUID) -> Response:
    """Remove the enrolment photo and embedding: later sessions are not identity-checked."""
    enrolment.remove_enrolment(session, actor, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _enrolment_public(row: Enrolment) -> EnrolmentPublic:
    return EnrolmentPublic(user_id=row.user_id, updated_at=row.updated_at,
                           photo_url=f"{router.prefix}/enrolments/{row.user_id}/photo")


@router.post("/sessions/{session_id}/finish", response_model=SessionPublic)
def finish(session: SessionDep, actor: CurrentActor, session_id: UUID) -> SessionPublic:
    """End a live session: events, integrity score, flag, and the attempt's certification."""
    return SessionPublic.model_validate(sessions.finish_session(session, actor, session_id))


@router.get("/review-queue", response_model=ReviewQueue)
def review_queue(session: SessionDep, _: Proctor, page: PageDep) -> ReviewQueue:
    """Flagged sessions awaiting a decision, oldest first, with their top reasons."""
    items, count = review.review_queue(session, page.limit, page.offset)
    return ReviewQueue(data=items, count=count)


@router.get("/sessions/{session_id}/timeline", response_model=Timeline)
def read_timeline(session: SessionDep, actor: Proctor, session_id: UUID, response: Response) -> Timeline:
    """Face and browser events in time order, scores and evidence links."""
    response.headers.update(PRIVATE)
    timeline = review.timeline(session, session_id, f"{router.prefix}/sessions/{session_id}/evidence")
    log_reads(session, actor, "proctoring_session", "GET /api/v1/proctoring/sessions/{session_id}/timeline",
              [(timeline.session.student_id, None, session_id)])
    return timeline


@router.get("/sessions/{session_id}/evidence/{event_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def read_evidence(session: SessionDep, actor: Proctor, session_id: UUID, event_id: UUID) -> Response:
    """An event's evidence frame (proctors and admins of the tenant only; never cached)."""
    frame = review.evidence(session, session_id, event_id)
    row = sessions.visible_session(session, actor, session_id)
    log_reads(session, actor, "proctoring_evidence",
              "GET /api/v1/proctoring/sessions/{session_id}/evidence/{event_id}",
              [(row.student_id, None, event_id)])
    return Response(frame, media_type="image/jpeg", headers=PRIVATE)


@router.post("/sessions/{session_id}/decision", response_model=SessionPublic)
def decide(session: SessionDep, actor: Proctor, session_id: UUID, body: DecisionIn) -> SessionPublic:
    """Final decision on a flagged session: `cleared` issues the certificate, `violation` withholds it."""
    return SessionPublic.model_validate(review.decide(session, actor, session_id, body)[0])


@router.get("/live", response_model=list[live.LiveCard])
def live_sessions(session: SessionDep, _: Proctor, response: Response) -> list[live.LiveCard]:
    """Live sessions in progress, with current flags and browser event counts (most recent first)."""
    response.headers.update(PRIVATE)
    return live.live_cards(session)


@router.post("/sessions/{session_id}/notes", response_model=NotePublic, status_code=status.HTTP_201_CREATED)
def add_note(session: SessionDep, actor: Proctor, session_id: UUID, body: NoteIn) -> NotePublic:
    """A proctor's note on a session, shown in its review; stamped with the session time while live."""
    return NotePublic.model_validate(live.add_note(session, actor, session_id, body.body))


@router.post("/sessions/{session_id}/end", response_model=SessionPublic)
def end_session(session: SessionDep, actor: Proctor, session_id: UUID, body: EndIn) -> SessionPublic:
    """End a live session for cause: it is scored on what was recorded and flagged for review."""
    return SessionPublic.model_validate(live.end_for_cause(session, actor, session_id, body.reason))
