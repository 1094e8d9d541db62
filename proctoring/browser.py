"""Browser monitor events from the exam page, validated and placed on the timeline."""

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from proctoring.events import EventType, ProctoringEvent


class BrowserEventType(StrEnum):
    """Event types the exam page may report; anything else is refused."""

    TAB_HIDDEN = EventType.TAB_HIDDEN.value
    WINDOW_BLUR = EventType.WINDOW_BLUR.value
    COPY = EventType.COPY.value
    PASTE = EventType.PASTE.value
    FULLSCREEN_EXIT = EventType.FULLSCREEN_EXIT.value
    MULTIPLE_DISPLAYS = EventType.MULTIPLE_DISPLAYS.value


class BrowserEvent(BaseModel):
    """One report from the exam page: when it started and, for states, when it ended."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: BrowserEventType
    start_s: float = Field(ge=0)
    end_s: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Self:
        if self.end_s is not None and self.end_s < self.start_s:
            raise ValueError("end_s must not be before start_s")
        return self

    def to_event(self) -> ProctoringEvent:
        """The timeline event; browser reports are certain, so confidence is 1."""
        return ProctoringEvent(
            type=EventType(self.type.value),
            start_s=self.start_s,
            end_s=self.end_s if self.end_s is not None else self.start_s,
            confidence=1.0,
            evidence_s=None,
        )


def merge_timeline(
    video_events: list[ProctoringEvent], browser_events: list[BrowserEvent]
) -> list[ProctoringEvent]:
    """Video and browser events on one timeline, ordered by start then type."""
    combined = video_events + [event.to_event() for event in browser_events]
    return sorted(combined, key=lambda event: (event.start_s, event.type))
