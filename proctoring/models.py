"""Proctoring tables and API shapes: sessions, per-frame signals, timeline events."""

import enum
from datetime import datetime
from uuid import UUID

from pydantic import ConfigDict
from sqlalchemy import ARRAY, DateTime, Float, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from cognify.models import TenantScoped, timestamp_field
from proctoring.browser import BrowserEvent
from proctoring.events import EventType

FORBID = ConfigDict(extra="forbid")


class SessionSource(enum.StrEnum):
    """Live frames posted by the exam page, or one uploaded recording."""

    live = "live"
    video = "video"


class SessionStatus(enum.StrEnum):
    """Lifecycle: receiving media, analysing an upload, scored, or failed analysis."""

    open = "open"
    analyzing = "analyzing"
    completed = "completed"
    failed = "failed"


class Decision(enum.StrEnum):
    """A proctor's final verdict on a flagged session."""

    cleared = "cleared"
    violation = "violation"


class ProctoringSession(TenantScoped, table=True):
    """One proctored sitting of an assessment attempt."""

    __tablename__ = "proctoring_sessions"
    attempt_id: UUID = Field(foreign_key="assessment_attempts.id", ondelete="CASCADE", unique=True)
    student_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    source: SessionSource = Field(default=SessionSource.live, max_length=10)
    status: SessionStatus = Field(default=SessionStatus.open, max_length=20)
    sample_fps: float = 2.0
    last_t: float | None = None
    frames_processed: int = 0
    frames_total: int | None = None
    # True: the recording's audio track was checked for speech; False: it had none; None: live frames.
    audio_checked: bool | None = None
    # True: the student's face was compared with their enrolment photo; False: they had none.
    identity_checked: bool | None = None
    video_key: str | None = Field(default=None, max_length=500)
    duration_s: float | None = None
    integrity_score: float | None = None
    flagged: bool | None = None
    error: str | None = Field(default=None, max_length=500)
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    decision: Decision | None = Field(default=None, max_length=20)
    decision_note: str | None = Field(default=None, max_length=5000)
    decided_by: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # A proctor who stopped a live session for cause, and why (the session is then flagged).
    ended_by: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    ended_reason: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = timestamp_field()


class ProctorNote(TenantScoped, table=True):
    """A proctor's note on a session, at the session time it was written (None: after the session)."""

    __tablename__ = "proctoring_notes"
    session_id: UUID = Field(foreign_key="proctoring_sessions.id", ondelete="CASCADE", index=True)
    author_id: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    t: float | None = None
    body: str = Field(max_length=5000)


class NoteIn(SQLModel):
    """A note on a session."""

    model_config = FORBID
    body: str = Field(min_length=1, max_length=5000)


class EndIn(SQLModel):
    """Why a proctor ends a live session."""

    model_config = FORBID
    reason: str = Field(min_length=1, max_length=2000)


class Enrolment(TenantScoped, table=True):
    """A student's enrolment photo and its face embedding, the reference for identity checks."""

    __tablename__ = "proctoring_enrolments"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_proctoring_enrolments_user"),)
    user_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    photo_key: str = Field(max_length=500)
    embedding: list[float] = Field(sa_type=ARRAY(Float))
    uploaded_by: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    updated_at: datetime = timestamp_field()


class EnrolmentPublic(SQLModel):
    """Whether a student has an enrolment photo, and when it was set."""

    user_id: UUID
    photo_url: str
    updated_at: datetime


class FrameSignal(TenantScoped, table=True):
    """What the detectors saw in one analysed frame; re-segmented when the session finishes."""

    __tablename__ = "proctoring_frame_signals"
    __table_args__ = (UniqueConstraint("session_id", "t", name="uq_proctoring_frame_signals_t"),)
    session_id: UUID = Field(foreign_key="proctoring_sessions.id", ondelete="CASCADE", index=True)
    t: float
    face_count: int
    second_face_score: float | None = None
    yaw: float | None = None
    pitch: float | None = None
    roll: float | None = None
    gaze_yaw: float | None = None
    gaze_pitch: float | None = None
    blocked: bool = False
    blocked_strength: float = 0.0
    no_face_confirmed: bool = False
    identity_distance: float | None = None
    frame_key: str | None = Field(default=None, max_length=500)


class TimelineEvent(TenantScoped, table=True):
    """An event on a session's timeline (video or browser) with its evidence frame."""

    __tablename__ = "proctoring_events"
    session_id: UUID = Field(foreign_key="proctoring_sessions.id", ondelete="CASCADE", index=True)
    type: EventType = Field(sa_type=String(30))  # stored by value, not by enum name
    source: str = Field(max_length=10)
    start_s: float
    end_s: float
    confidence: float = 1.0
    evidence_s: float | None = None
    evidence_key: str | None = Field(default=None, max_length=500)
    evidence_purged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    penalty: float | None = None


class SessionCreate(SQLModel):
    """Start proctoring an attempt."""

    model_config = FORBID  # type: ignore[assignment]
    attempt_id: UUID
    source: SessionSource = SessionSource.live


class BrowserEventsIn(SQLModel):
    """A batch of browser monitor reports from the exam page."""

    model_config = FORBID  # type: ignore[assignment]
    events: list[BrowserEvent] = Field(min_length=1, max_length=500)


class DecisionIn(SQLModel):
    """A proctor's final decision on a flagged session."""

    model_config = FORBID  # type: ignore[assignment]
    decision: Decision
    note: str = Field(min_length=1, max_length=5000)


class SessionPublic(SQLModel):
    """A session with its analysis progress and, once scored, the verdict."""

    id: UUID
    attempt_id: UUID
    student_id: UUID
    source: SessionSource
    status: SessionStatus
    sample_fps: float
    frames_processed: int
    frames_total: int | None
    audio_checked: bool | None
    identity_checked: bool | None
    duration_s: float | None
    integrity_score: float | None
    flagged: bool | None
    error: str | None
    finished_at: datetime | None
    decision: Decision | None
    decided_at: datetime | None
    ended_by: UUID | None
    ended_reason: str | None
    created_at: datetime


class NotePublic(SQLModel):
    """A proctor's note."""

    id: UUID
    session_id: UUID
    author_id: UUID | None
    t: float | None
    body: str
    created_at: datetime


class FrameAccepted(SQLModel):
    """A frame was analysed and recorded."""

    t: float
    frames_processed: int


class EventPublic(SQLModel):
    """A timeline event; `evidence_url` when an evidence frame is kept."""

    id: UUID
    type: EventType
    source: str
    start_s: float
    end_s: float
    confidence: float
    evidence_s: float | None
    penalty: float | None
    evidence_url: str | None = None
    evidence_purged: bool = False


class Timeline(SQLModel):
    """A session, its events in time order, and the decision trail."""

    session: SessionPublic
    events: list[EventPublic]
    notes: list[NotePublic] = []
    decision_note: str | None
    decided_by: UUID | None


class QueueItem(SQLModel):
    """A flagged session awaiting a decision, with its top reasons."""

    session_id: UUID
    attempt_id: UUID
    student_id: UUID
    integrity_score: float | None
    finished_at: datetime | None
    top_reasons: list[str]


class ReviewQueue(SQLModel):
    """A page of the review queue."""

    data: list[QueueItem]
    count: int
