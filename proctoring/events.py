"""Event types and the timeline event model shared by video and browser signals."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EventType(StrEnum):
    """Every kind of event that can appear on a proctoring timeline."""

    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    LOOKING_AWAY = "looking_away"
    CAMERA_BLOCKED = "camera_blocked"
    TAB_HIDDEN = "tab_hidden"
    WINDOW_BLUR = "window_blur"
    COPY = "copy"
    PASTE = "paste"
    FULLSCREEN_EXIT = "fullscreen_exit"
    MULTIPLE_DISPLAYS = "multiple_displays"
    SPEECH_DETECTED = "speech_detected"
    IDENTITY_MISMATCH = "identity_mismatch"


VIDEO_EVENT_TYPES: tuple[EventType, ...] = (
    EventType.NO_FACE,
    EventType.MULTIPLE_FACES,
    EventType.LOOKING_AWAY,
    EventType.CAMERA_BLOCKED,
    EventType.IDENTITY_MISMATCH,
)


class ProctoringEvent(BaseModel):
    """One event on the timeline; the evidence JPEG is kept for storage but never dumped."""

    model_config = ConfigDict(frozen=True)

    type: EventType
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    confidence: float = Field(ge=0, le=1)
    evidence_s: float | None = None
    evidence_jpeg: bytes | None = Field(default=None, exclude=True, repr=False)

    @property
    def duration_s(self) -> float:
        """Length of the event in seconds (0 for instantaneous browser events)."""
        return self.end_s - self.start_s
