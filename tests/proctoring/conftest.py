"""Fixtures for the proctoring tests: composed scenes and a session video directory."""

from collections.abc import Sequence
from pathlib import Path

import pytest
from proctoring_media import Image, Scenes, VideoMaker, compose_scenes, write_video


@pytest.fixture(scope="session")
def scenes() -> Scenes:
    """Every test frame, composed once per run."""
    return compose_scenes()


@pytest.fixture(scope="session")
def make_video(tmp_path_factory: pytest.TempPathFactory) -> VideoMaker:
    """Write a named test video into a session temp directory."""
    directory = tmp_path_factory.mktemp("proctoring-videos")

    def make(name: str, segments: Sequence[tuple[float, Image]]) -> Path:
        return write_video(directory / f"{name}.avi", segments)

    return make
