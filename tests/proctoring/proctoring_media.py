"""Frames and videos composed from real face photos shipped by matplotlib and scikit-image."""

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
from matplotlib.cbook import get_sample_data
from numpy.typing import NDArray

from evals.proctoring_recording import AUDIO_RATE, EspeakMissing, espeak, soundtrack, write_mp4  # noqa: F401

Image = NDArray[np.uint8]
WIDTH, HEIGHT = 640, 480
VIDEO_FPS = 4.0


def _background() -> Image:
    """A lit wall: horizontal gradient with a darker shelf, no face-like texture."""
    ramp = np.linspace(70, 170, WIDTH, dtype=np.float32)
    wall = np.repeat(ramp[None, :], HEIGHT, axis=0)
    image = cv2.merge([wall * 0.9, wall, wall * 1.05]).clip(0, 255).astype(np.uint8)
    cv2.rectangle(image, (0, 400), (WIDTH, HEIGHT), (60, 70, 80), -1)
    return image


def paste(canvas: Image, photo: Image, x: int, y: int, height: int) -> Image:
    """``photo`` scaled to ``height`` pixels, pasted with its top-left corner at (x, y) (which may lie
    outside the canvas: what falls past its edge is cut off)."""
    scale = height / photo.shape[0]
    resized = cv2.resize(photo, (round(photo.shape[1] * scale), height), interpolation=cv2.INTER_AREA)
    out = canvas.copy()
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(out.shape[1], x + resized.shape[1]), min(out.shape[0], y + resized.shape[0])
    out[y0:y1, x0:x1] = resized[y0 - y : y1 - y, x0 - x : x1 - x]
    return out


def turn(photo: Image, amount: float) -> Image:
    """A face photo seen turned: its right edge pushed back by a perspective warp."""
    height, width = photo.shape[:2]
    squeeze, right = amount * height / 2, width * (1 - amount)
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    target = np.float32([[0, 0], [right, squeeze], [right, height - squeeze], [0, height]])
    matrix = cv2.getPerspectiveTransform(source, target)
    return cv2.warpPerspective(photo, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def kitchen() -> Image:
    """An empty kitchen: skimage's coffee cup, out of focus, which MediaPipe scores about 0.55 as a face
    (the mesh and Haar do not confirm it)."""
    coffee = cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR)
    scale = max(WIDTH / coffee.shape[1], HEIGHT / coffee.shape[0])
    resized = cv2.resize(coffee, (round(coffee.shape[1] * scale), round(coffee.shape[0] * scale)))
    y0, x0 = (resized.shape[0] - HEIGHT) // 2, (resized.shape[1] - WIDTH) // 2
    return cv2.GaussianBlur(resized[y0 : y0 + HEIGHT, x0 : x0 + WIDTH], (0, 0), 10)


@dataclass(frozen=True)
class Eye:
    """Where one eye lies in a scene, read once off the photo: iris centre and radius, the two corners,
    and the lid heights (pixels)."""

    iris: tuple[float, float]
    radius: int
    left: tuple[float, float]
    right: tuple[float, float]
    top: float
    bottom: float


HOPPER_EYES = (Eye((201.2, 171.4), 8, (185.9, 173.5), (218.6, 174.0), 167.6, 177.0),
               Eye((273.0, 168.7), 8, (256.9, 172.6), (288.4, 168.4), 163.8, 172.7))  # in Scenes.frontal
ASTRONAUT_EYES = (Eye((244.9, 268.3), 6, (234.2, 267.6), (258.0, 271.9), 263.6, 272.8),
                  Eye((302.3, 271.5), 6, (289.3, 273.5), (314.5, 272.2), 266.8, 275.6))  # in Scenes.astronaut


def look(image: Image, eyes: Sequence[Eye], dx: float, dy: float = 0.0) -> Image:
    """The same face with its irises moved by (dx, dy) pixels inside the eye openings: the iris is
    cut out, its place filled from the surrounding white (inpainting), and pasted back shifted, clipped
    by the lids, as eyes turned sideways look."""
    out = image.copy()
    size = (image.shape[1], image.shape[0])
    shift = np.float32([[1, 0, dx], [0, 1, dy]])
    for eye in eyes:
        opening = np.zeros(image.shape[:2], np.uint8)
        centre = (round((eye.left[0] + eye.right[0]) / 2), round((eye.left[1] + eye.right[1]) / 2))
        axes = (round(np.hypot(eye.right[0] - eye.left[0], eye.right[1] - eye.left[1]) / 2),
                round((eye.bottom - eye.top) / 2 + 1))
        angle = float(np.degrees(np.arctan2(eye.right[1] - eye.left[1], eye.right[0] - eye.left[0])))
        cv2.ellipse(opening, centre, axes, angle, 0, 360, 255, -1)
        iris = np.zeros_like(opening)
        cv2.circle(iris, (round(eye.iris[0]), round(eye.iris[1])), eye.radius + 1, 255, -1)
        filled = cv2.inpaint(out, cv2.bitwise_and(iris, opening), 5, cv2.INPAINT_TELEA)
        moved, moved_iris = cv2.warpAffine(out, shift, size), cv2.warpAffine(iris, shift, size)
        inside = cv2.bitwise_and(moved_iris, opening) > 0
        filled[inside] = moved[inside]
        out = filled
    return out


@dataclass(frozen=True)
class Scenes:
    """640x480 BGR frames: a candidate, a second person, an empty room, a covered lens, and the hard cases.

    ``leaning_out``: the candidate with a third of her face past the right edge of the frame (MediaPipe
    loses it). ``astronaut`` / ``astronaut_turned_far``: another candidate facing the camera, then turned
    so far that MediaPipe loses the face while Haar still finds it. ``kitchen``: see ``kitchen()``.
    """

    hopper_head: Image
    background: Image
    frontal: Image
    two_faces: Image
    empty: Image
    black: Image
    covered: Image
    leaning_out: Image
    astronaut: Image
    astronaut_turned_far: Image
    kitchen: Image

    def turned(self, amount: float) -> Image:
        """The candidate's head turned by a perspective warp of ``amount`` (0..0.5)."""
        return paste(self.background, turn(self.hopper_head, amount), 140, 60, 360)


def compose_scenes() -> Scenes:
    """Every test frame from the two photos."""
    hopper = cv2.imread(str(get_sample_data("grace_hopper.jpg", asfileobj=False)))
    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    background = _background()
    frontal = paste(background, hopper[60:460, 56:456], 60, 60, 340)
    rng = np.random.default_rng(6)
    covered = np.full((HEIGHT, WIDTH, 3), (95, 110, 150), np.float32)
    covered += rng.normal(0, 2.0, covered.shape)
    astronaut_head = astronaut[20:200, 140:290]
    return Scenes(
        hopper_head=hopper[120:400, 120:380],
        background=background,
        frontal=frontal,
        two_faces=paste(frontal, astronaut[0:230, 110:320], 420, 100, 200),
        empty=background.copy(),
        black=np.full((HEIGHT, WIDTH, 3), 6, np.uint8),
        covered=covered.clip(0, 255).astype(np.uint8),
        leaning_out=paste(background, hopper[60:460, 56:456], 432, 60, 340),
        astronaut=paste(background, astronaut_head, 160, 160, 240),
        astronaut_turned_far=paste(background, turn(astronaut_head, 0.5), 160, 160, 240),
        kitchen=kitchen(),
    )


def write_video(path: Path, segments: Sequence[tuple[float, Image]], fps: float = VIDEO_FPS) -> Path:
    """An MJPG .avi playing each (seconds, frame) segment in turn."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for seconds, frame in segments:
        for _ in range(round(seconds * fps)):
            writer.write(frame)
    writer.release()
    return path


def write_h264(
    path: Path, segments: Sequence[tuple[float, Image]], fps: int = 30, gop: int = 60, noise: int = 8,
    audio: NDArray[np.float32] | None = None,
) -> Path:
    """An H.264 .mp4 like a webcam's (sensor noise on every frame, so inter frames carry data), playing
    each (seconds, frame) segment in turn; ``audio`` (mono float samples at AUDIO_RATE) as AAC."""
    rng = np.random.default_rng(7)
    frames = (cv2.add(frame, rng.integers(0, noise + 1, frame.shape, dtype=np.uint8))
              for seconds, frame in segments for _ in range(round(seconds * fps)))
    return write_mp4(path, frames, (WIDTH, HEIGHT), fps, audio, gop)


def speech(text: str) -> NDArray[np.float32]:
    """``text`` spoken by espeak-ng (a Debian package), mono float samples at AUDIO_RATE."""
    try:
        return espeak(text)
    except EspeakMissing:
        if os.environ.get("CI"):
            raise
        pytest.skip("the speech tests need Debian's espeak-ng: apt-get install espeak-ng")


VideoMaker = Callable[[str, Sequence[tuple[float, Image]]], Path]
