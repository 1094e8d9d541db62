"""Frame sources: timestamp sampling, live JPEG frames, and unreadable input."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from proctoring_media import Scenes, write_h264, write_video

from proctoring.errors import FramesOutOfOrder, UnreadableFrame, UnreadableVideo
from proctoring.sources import JpegFrame, VideoFileSource, decode_jpeg, jpeg_frames


def _numbered_video(path: Path, seconds: float, fps: float) -> Path:
    """A video whose frame i has grey level i, so sampled frames can be identified."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for index in range(round(seconds * fps)):
        writer.write(np.full((48, 64, 3), index * 4, np.uint8))
    writer.release()
    return path


def test_video_is_sampled_by_timestamp(tmp_path: Path) -> None:
    video = _numbered_video(tmp_path / "ten_fps.avi", seconds=3.0, fps=10.0)
    with VideoFileSource(video, sample_fps=2.0) as source:
        frames = list(source)
        assert source.duration_s == pytest.approx(3.0)
    assert [frame.t for frame in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    levels = [int(frame.image.mean() / 4 + 0.5) for frame in frames]
    assert levels == [0, 5, 10, 15, 20, 25]


def test_sampling_faster_than_the_video_yields_every_frame(tmp_path: Path) -> None:
    video = _numbered_video(tmp_path / "one_fps.avi", seconds=4.0, fps=1.0)
    with VideoFileSource(video, sample_fps=2.0) as source:
        assert [frame.t for frame in source] == [0.0, 1.0, 2.0, 3.0]


def _grey_h264(path: Path, seconds: int) -> Path:
    """An H.264 recording at 30 fps whose grey level climbs one step per second."""
    segments = [(1.0, np.full((480, 640, 3), 20 + 6 * second, np.uint8)) for second in range(seconds)]
    return write_h264(path, segments, gop=45)


@pytest.mark.parametrize("kind", ["h264", "mjpg"])
def test_time_ranges_yield_exactly_the_frames_of_one_pass(tmp_path: Path, kind: str) -> None:
    if kind == "h264":
        video = _grey_h264(tmp_path / "grey.mp4", seconds=20)
    else:
        video = _numbered_video(tmp_path / "numbered.avi", seconds=20.0, fps=30.0)
    with VideoFileSource(video, sample_fps=2.0) as source:
        whole = list(source)
        assert source.length_s == pytest.approx(20.0, abs=0.05)
    parts = []
    for start, end in [(0.0, 7.3), (7.3, 13.0), (13.0, None)]:
        with VideoFileSource(video, sample_fps=2.0, start_s=start, end_s=end) as source:
            parts.extend(list(source))
    assert [frame.t for frame in whole] == pytest.approx([n / 2 for n in range(40)], abs=0.02)
    assert [frame.t for frame in parts] == [frame.t for frame in whole]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(parts, whole, strict=True))


def test_a_range_past_the_end_is_empty_not_an_error(tmp_path: Path) -> None:
    video = _numbered_video(tmp_path / "short.avi", seconds=3.0, fps=10.0)
    with VideoFileSource(video, sample_fps=2.0, start_s=60.0) as source:
        assert list(source) == []


def test_fractional_sample_rate(tmp_path: Path) -> None:
    video = _numbered_video(tmp_path / "slow.avi", seconds=10.0, fps=4.0)
    with VideoFileSource(video, sample_fps=0.25) as source:
        assert [frame.t for frame in source] == [0.0, 4.0, 8.0]


def test_corrupt_file_is_unreadable(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + np.random.default_rng(1).bytes(4096))
    with pytest.raises(UnreadableVideo, match="not a readable video"):
        VideoFileSource(corrupt)


def test_zero_length_file_is_unreadable(tmp_path: Path) -> None:
    empty = tmp_path / "empty.avi"
    empty.touch()
    with pytest.raises(UnreadableVideo, match="empty"):
        VideoFileSource(empty)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableVideo):
        VideoFileSource(tmp_path / "absent.avi")


def test_video_without_frames_is_unreadable(tmp_path: Path) -> None:
    video = write_video(tmp_path / "no_frames.avi", [])
    assert video.stat().st_size > 0
    with pytest.raises(UnreadableVideo), VideoFileSource(video) as source:
        list(source)


def test_jpeg_frames_decode_in_order(scenes: Scenes) -> None:
    ok, encoded = cv2.imencode(".jpg", scenes.frontal)
    assert ok
    frames = list(jpeg_frames([JpegFrame(encoded.tobytes(), 0.0), JpegFrame(encoded.tobytes(), 0.5)]))
    assert [frame.t for frame in frames] == [0.0, 0.5]
    assert frames[0].image.shape == (480, 640, 3)
    assert np.abs(frames[0].image.astype(int) - scenes.frontal).mean() < 4


@pytest.mark.parametrize("times", [(1.0, 0.5), (1.0, 1.0), (-0.5,)])
def test_jpeg_frames_out_of_order_are_refused(scenes: Scenes, times: tuple[float, ...]) -> None:
    data = cv2.imencode(".jpg", scenes.black)[1].tobytes()
    with pytest.raises(FramesOutOfOrder):
        list(jpeg_frames([JpegFrame(data, t) for t in times]))


@pytest.mark.parametrize("payload", [b"", b"not a jpeg at all", b"\xff\xd8\xff\xe0" + b"\x00" * 20])
def test_undecodable_frame_is_refused(payload: bytes) -> None:
    with pytest.raises(UnreadableFrame):
        decode_jpeg(payload)
