"""Request bodies of the exam page: size-limited, typed, and checked before anything is stored."""

import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import cv2
from fastapi import Request

from cognify.errors import CognifyError, ValidationFailed

MAX_FRAME_BYTES = 2 * 1024 * 1024
MAX_VIDEO_BYTES = 512 * 1024 * 1024
VIDEO_TYPES = frozenset({"application/octet-stream"})


class PayloadTooLarge(CognifyError):
    """The body is larger than this endpoint accepts."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(CognifyError):
    """The body's content type is not one this endpoint accepts."""

    status_code = 415
    code = "unsupported_media_type"


def is_image(content_type: str) -> bool:
    """JPEG (or another still image) frames."""
    return content_type.startswith("image/")


def is_video(content_type: str) -> bool:
    """A recording: any video/* type or raw bytes."""
    return content_type.startswith("video/") or content_type in VIDEO_TYPES


def limited_body(
    limit: int, accepts: Callable[[str], bool], what: str
) -> Callable[[Request], Awaitable[bytes]]:
    """A dependency reading the raw body: 415 on a wrong type, 413 past `limit`, 422 when empty."""

    async def read(request: Request) -> bytes:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not accepts(content_type):
            raise UnsupportedMediaType(f"Send the {what} as its raw bytes, not {content_type or 'no type'}")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"The {what} is larger than {limit} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The {what} is larger than {limit} bytes")
            chunks.append(chunk)
        if size == 0:
            raise ValidationFailed(f"The {what} is empty", code="empty_body")
        return b"".join(chunks)

    return read


def check_video(data: bytes) -> None:
    """422 unless OpenCV can open the recording and decode a first frame."""
    with tempfile.TemporaryDirectory(prefix="cognify-upload-") as directory:
        path = Path(directory) / "recording"
        path.write_bytes(data)
        capture = cv2.VideoCapture(str(path))
        try:
            readable = capture.isOpened() and capture.read()[0]
        finally:
            capture.release()
    if not readable:
        raise ValidationFailed("The upload is not a readable video", code="unreadable_video")
