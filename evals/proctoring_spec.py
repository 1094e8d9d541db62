"""The proctoring suite as data: real photos, backgrounds, and sessions with labelled events, from YAML."""

from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evals.kinds import suite_path
from proctoring.browser import BrowserEventType
from proctoring.events import EventType

SceneKind = Literal[
    "present", "absent", "second_face", "looking_away", "partial", "covered", "black", "impostor"
]


class Strict(BaseModel):
    """Suite models refuse unknown keys, so a typo in a suite fails loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PhotoSpec(Strict):
    """A real photo shipped by an installed package: an LFW face of `skimage.data.lfw_subset()` (0..99
    are faces), or a crop `[y0, y1, x0, x1]` of a `skimage.data` image."""

    source: Literal["lfw", "skimage"]
    index: int | None = Field(default=None, ge=0, le=99)
    image: str | None = None
    crop: tuple[int, int, int, int] | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> Self:
        lfw, named = self.index is not None, bool(self.image)
        if (self.source == "lfw") != lfw or (self.source == "skimage") != named:
            raise ValueError("lfw photos take `index`, skimage photos take `image`")
        return self


class BackgroundSpec(Strict):
    """The wall behind the desk: a colour gradient, or a blurred (out of focus) `skimage.data` photo."""

    gradient: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None
    image: str | None = None
    blur: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_origin(self) -> Self:
        if (self.gradient is None) == (self.image is None):
            raise ValueError("a background is a `gradient` or an `image`")
        return self


class Segment(Strict):
    """What the camera sees from `at` seconds until the next segment (or the session's end)."""

    at: float = Field(ge=0)
    scene: SceneKind
    person: str | None = None  # second_face: who joins; impostor: who sits in the candidate's place
    place: tuple[int, int, int] = (500, 150, 150)  # second_face: centre x, centre y, face height
    yaw: float = Field(default=0.0, ge=-0.5, le=0.5)  # looking_away: warp, + turns to the image right
    pitch: float = Field(default=0.0, ge=-0.5, le=0.5)  # looking_away: warp, + looks down
    visible: float = Field(default=1.0, gt=0, le=1)  # partial: share of the face width inside the frame
    light: float = Field(default=1.0, gt=0)  # brightness gain of the whole frame
    cover: tuple[int, int, int] = (120, 140, 180)  # covered: BGR colour of what is over the lens


class Labelled(Strict):
    """A ground-truth event: what a human reviewer would mark on the timeline."""

    type: EventType
    start: float = Field(ge=0)
    end: float = Field(ge=0)


class BrowserInput(Strict):
    """A report the exam page sends (tab hidden, paste...): pipeline input, labelled separately."""

    type: BrowserEventType
    start: float = Field(ge=0)
    end: float | None = None


class Voice(Strict):
    """Someone speaking in the room from `at` seconds: `text` read by espeak-ng."""

    at: float = Field(ge=0)
    text: str = Field(min_length=1)


class SessionSpec(Strict):
    """One exam session: the recording to render and the events a reviewer would label on it."""

    id: str
    category: str
    description: str = ""
    seed: int
    duration: float = Field(gt=0)
    fps: float = Field(default=5.0, gt=0)
    resolution: tuple[int, int] = (640, 480)
    source: Literal["video", "live"] = "video"
    candidate: str
    face_px: int = Field(default=220, gt=20)
    center: tuple[int, int] = (320, 210)
    background: str
    timeline: list[Segment] = Field(min_length=1)
    browser: list[BrowserInput] = Field(default_factory=list)
    # The candidate's enrolment photo (their photo under other light and framing): identity is checked.
    enrolment: bool = False
    # A soundtrack (room noise of amplitude `noise`, plus `voices`): recorded as H.264 + AAC MP4.
    audio: bool = False
    noise: float = Field(default=0.02, ge=0, le=0.5)
    voices: list[Voice] = Field(default_factory=list)
    events: list[Labelled] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        starts = [segment.at for segment in self.timeline]
        if starts[0] != 0 or starts != sorted(set(starts)) or starts[-1] >= self.duration:
            raise ValueError(f"{self.id}: segments must start at 0, in order, before the end")
        if self.voices and not self.audio:
            raise ValueError(f"{self.id}: voices need `audio: true`")
        if self.audio and self.source == "live":
            raise ValueError(f"{self.id}: live sessions post frames only, no audio")
        for event in self.events:
            if not event.start <= event.end <= self.duration:
                raise ValueError(f"{self.id}: labelled {event.type} outside 0..{self.duration}")
        return self

    def segment_end(self, index: int) -> float:
        """When segment `index` gives way to the next one."""
        return self.timeline[index + 1].at if index + 1 < len(self.timeline) else self.duration


class ProctoringSuite(Strict):
    """Named photos and backgrounds, and the sessions rendered from them."""

    kind: Literal["proctoring"]
    name: str
    description: str = ""
    iou_threshold: float = Field(default=0.3, gt=0, le=1)
    point_tolerance_s: float = Field(default=1.0, ge=0)
    sample_fps: float = Field(default=2.0, gt=0)
    photos: dict[str, PhotoSpec]
    backgrounds: dict[str, BackgroundSpec]
    sessions: list[SessionSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Self:
        ids = [session.id for session in self.sessions]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate session ids")
        for session in self.sessions:
            people = [session.candidate, *(s.person for s in session.timeline if s.person)]
            missing = [p for p in people if p not in self.photos]
            if session.background not in self.backgrounds or missing:
                raise ValueError(f"{session.id}: unknown photo or background {missing or session.background}")
            if any(s.scene in ("second_face", "impostor") and s.person is None for s in session.timeline):
                raise ValueError(f"{session.id}: a second_face or impostor segment needs a person")
        return self


def load_proctoring_suite(path: Path | str) -> ProctoringSuite:
    """A proctoring suite by name (`evals/suites/NAME.yaml`) or by path."""
    return ProctoringSuite.model_validate(yaml.safe_load(suite_path(path).read_text()))
