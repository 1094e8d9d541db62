"""Webcam frames of an exam session, rendered deterministically from real photos in installed packages.

The eval set uses other people than the unit tests (which use matplotlib's Grace Hopper and
skimage's astronaut): faces of the Labeled Faces in the Wild subset shipped with scikit-image
(25x25 grey crops, so the rendered webcam is soft) and skimage's cameraman (a real profile face).
"""

import math
from collections.abc import Iterator
from functools import cache

import cv2
import numpy as np
import skimage.data
from numpy.typing import NDArray

from evals.proctoring_spec import BackgroundSpec, PhotoSpec, Segment, SessionSpec

Image = NDArray[np.uint8]
WORK_HEIGHT = 240  # photos are upscaled once to this height, so warps and resizes stay smooth
NOISE_FIELDS = 6


@cache
def _lfw_faces() -> NDArray[np.uint8]:
    """The 100 LFW faces of `skimage.data.lfw_subset()` as 8-bit grey (the other 100 are non-faces)."""
    faces: NDArray[np.uint8] = (skimage.data.lfw_subset()[:100] * 255).round().astype(np.uint8)
    return faces


def _skimage(name: str) -> Image:
    image = np.asarray(getattr(skimage.data, name)())
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR)


def load_photo(spec: PhotoSpec) -> Image:
    """The photo as BGR, upscaled (bicubic) to the working height."""
    if spec.source == "lfw":
        photo = cv2.cvtColor(_lfw_faces()[spec.index or 0], cv2.COLOR_GRAY2BGR)
    else:
        photo = _skimage(spec.image or "")
        if spec.crop is not None:
            y0, y1, x0, x1 = spec.crop
            photo = photo[y0:y1, x0:x1]
    scale = WORK_HEIGHT / photo.shape[0]
    return cv2.resize(photo, (round(photo.shape[1] * scale), WORK_HEIGHT), interpolation=cv2.INTER_CUBIC)


def load_background(spec: BackgroundSpec, size: tuple[int, int]) -> Image:
    """A `size` (width, height) wall: a left-to-right colour gradient, or a blurred photo filling it."""
    width, height = size
    if spec.gradient is not None:
        left, right = (np.array(c, np.float32) for c in spec.gradient)
        ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[:, None]
        row = left * (1 - ramp) + right * ramp
        image = np.repeat(row[None], height, axis=0).clip(0, 255).astype(np.uint8)
    else:
        photo = _skimage(spec.image or "")
        scale = max(width / photo.shape[1], height / photo.shape[0])
        resized = cv2.resize(photo, (math.ceil(photo.shape[1] * scale), math.ceil(photo.shape[0] * scale)))
        y0, x0 = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
        image = np.ascontiguousarray(resized[y0 : y0 + height, x0 : x0 + width])
    if spec.blur:
        image = cv2.GaussianBlur(image, (0, 0), spec.blur)
    return image


def _turned(photo: Image, mask: Image, yaw: float, pitch: float) -> tuple[Image, Image]:
    """Photo and mask seen turned: one side edge (yaw) or the bottom edge (pitch) pushed back."""
    height, width = photo.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    target = corners.copy()
    receding = (1, 2) if yaw > 0 else (0, 3)  # the image-right or image-left edge moves away
    for corner in receding:
        target[corner, 0] += -abs(yaw) * width if yaw > 0 else abs(yaw) * width
        target[corner, 1] += abs(yaw) * height / 2 if corner < 2 else -abs(yaw) * height / 2
    for corner, sign in ((2, -1), (3, 1)):
        target[corner, 0] += sign * pitch * width / 2
        target[corner, 1] -= pitch * height
    matrix = cv2.getPerspectiveTransform(corners, target)
    warp = cv2.warpPerspective(photo, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return warp, cv2.warpPerspective(mask, matrix, (width, height))


def _face_mask(height: int, width: int) -> Image:
    """An elliptical alpha mask with a feathered edge, so no square photo border reaches the frame."""
    mask = np.zeros((height, width), np.uint8)
    cv2.ellipse(mask, (width // 2, height // 2), (int(width * 0.46), int(height * 0.48)), 0, 0, 360, 255, -1)
    return cv2.GaussianBlur(mask, (0, 0), max(1.0, width / 30))


def _blend(canvas: Image, photo: Image, mask: Image, cx: float, cy: float, height: int) -> None:
    """Paste `photo` scaled to `height` px, centred at (cx, cy), through `mask`; clipped to the canvas."""
    scale = height / photo.shape[0]
    size = (max(1, round(photo.shape[1] * scale)), height)
    face = cv2.resize(photo, size, interpolation=cv2.INTER_LINEAR).astype(np.float32)
    alpha = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255
    x0, y0 = round(cx - size[0] / 2), round(cy - size[1] / 2)
    cx0, cy0 = max(0, x0), max(0, y0)
    cx1, cy1 = min(canvas.shape[1], x0 + size[0]), min(canvas.shape[0], y0 + size[1])
    if cx1 <= cx0 or cy1 <= cy0:
        return
    region = canvas[cy0:cy1, cx0:cx1].astype(np.float32)
    part = (slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0))
    mixed = face[part] * alpha[part] + region * (1 - alpha[part])
    canvas[cy0:cy1, cx0:cx1] = mixed.round().astype(np.uint8)


class SessionRenderer:
    """Frames of one session at any time t: the same session, seed and t give the same pixels."""

    def __init__(self, session: SessionSpec, photos: dict[str, Image], background: Image, seed: int) -> None:
        self.session = session
        self._photos = photos
        self._background = background
        rng = np.random.default_rng(seed)
        height, width = background.shape[:2]
        self._noise = [rng.normal(0, 2.5, (height, width, 3)).astype(np.int16) for _ in range(NOISE_FIELDS)]
        self._phase = rng.uniform(0, 2 * math.pi, 4)
        self._clothes = tuple(int(c) for c in rng.integers(30, 110, 3))

    def segment_at(self, t: float) -> Segment:
        """The timeline segment playing at time t."""
        return [s for s in self.session.timeline if s.at <= t][-1]

    def frame(self, t: float) -> Image:
        """The BGR frame the webcam delivers at time t."""
        segment = self.segment_at(t)
        if segment.scene == "black":
            canvas = np.full_like(self._background, 6)
        elif segment.scene == "covered":
            canvas = self._covered(segment)
        else:
            canvas = self._background.copy()
            if segment.scene == "second_face" and segment.person:  # someone behind the candidate
                x, y, size = segment.place
                self._draw_person(canvas, self._photos[segment.person], x, y, size)
            if segment.scene != "absent":
                self._draw_candidate(canvas, segment, t)
        if segment.light != 1.0:
            canvas = cv2.convertScaleAbs(canvas, alpha=segment.light)
        noise = self._noise[round(t * 1000) % NOISE_FIELDS]
        return (canvas.astype(np.int16) + noise).clip(0, 255).astype(np.uint8)

    def enrolment_photo(self) -> Image:
        """The candidate's enrolment photo: taken another day, closer, in brighter light, on a plain wall."""
        canvas = np.full((480, 480, 3), (200, 205, 210), np.uint8)
        photo = self._photos[self.session.candidate]
        _blend(canvas, photo, _face_mask(*photo.shape[:2]), 240, 230, 300)
        return cv2.convertScaleAbs(canvas, alpha=1.1, beta=8)

    def frames(self, fps: float) -> Iterator[tuple[float, Image]]:
        """Every frame of the session at `fps`, with its time."""
        for index in range(round(self.session.duration * fps)):
            t = round(index / fps, 6)
            yield t, self.frame(t)

    def _covered(self, segment: Segment) -> Image:
        """A hand or card over the lens: one colour, a soft shading, nothing in focus."""
        height, width = self._background.shape[:2]
        shade = np.linspace(-5, 5, height, dtype=np.float32)[:, None, None]
        canvas = np.broadcast_to(np.array(segment.cover, np.float32) + shade, (height, width, 3))
        return canvas.clip(0, 255).astype(np.uint8)

    def _draw_candidate(self, canvas: Image, segment: Segment, t: float) -> None:
        """The candidate at the desk, swaying a few pixels; turned or partly out of frame per segment."""
        cx, cy = self.session.center
        p = self._phase
        cx += 5 * math.sin(2 * math.pi * t / 7.3 + p[0]) + 1.5 * math.sin(2 * math.pi * t / 1.9 + p[1])
        cy += 3 * math.sin(2 * math.pi * t / 5.1 + p[2]) + 1.0 * math.sin(2 * math.pi * t / 2.3 + p[3])
        photo = self._photos[segment.person if segment.scene == "impostor" and segment.person
                             else self.session.candidate]
        size = self.session.face_px
        if segment.scene == "partial":
            face_width = size * photo.shape[1] / photo.shape[0]
            cx = segment.visible * face_width - face_width / 2  # the rest is past the left edge
        yaw, pitch = (segment.yaw, segment.pitch) if segment.scene == "looking_away" else (0.0, 0.0)
        self._draw_person(canvas, photo, cx, cy, size, yaw, pitch)

    def _draw_person(
        self,
        canvas: Image,
        photo: Image,
        cx: float,
        cy: float,
        size: int,
        yaw: float = 0.0,
        pitch: float = 0.0,
    ) -> None:
        """Shoulders in plain clothes, then the face through a feathered elliptical mask."""
        axes = (round(size * 1.0), round(size * 0.5))
        cv2.ellipse(canvas, (round(cx), round(cy + size * 0.95)), axes, 0, 180, 360, self._clothes, -1)
        mask = _face_mask(*photo.shape[:2])
        if yaw or pitch:
            photo, mask = _turned(photo, mask, yaw, pitch)
        _blend(canvas, photo, mask, cx, cy, size)
