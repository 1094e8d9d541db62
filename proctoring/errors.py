"""Errors raised by the proctoring vision core."""


class ProctoringError(ValueError):
    """Base class for bad proctoring input."""


class UnreadableVideo(ProctoringError):
    """The file is not a video OpenCV can read, or it has no frames."""


class UnreadableFrame(ProctoringError):
    """A posted frame is not a decodable JPEG (or other image) payload."""


class FramesOutOfOrder(ProctoringError):
    """A frame arrived with a timestamp not after the previous frame's."""
