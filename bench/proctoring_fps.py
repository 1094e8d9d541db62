"""Proctoring throughput on one core at 640x480: full pipeline vs raw MediaPipe detector.

Run: ``uv run python bench/proctoring_fps.py [--minutes 10]``. Prints a table and one JSON line.
Goal: >= 100 analysed frames/s (a 60-minute exam at 2 fps in under 75 s).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "proctoring"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import skimage.data  # noqa: E402
from matplotlib.cbook import get_sample_data  # noqa: E402
from numpy.typing import NDArray  # noqa: E402
from proctoring_media import paste, turn  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from proctoring.detectors import MediaPipeFaceDetector  # noqa: E402
from proctoring.pipeline import IncrementalAnalyzer, analyze_video  # noqa: E402

Image = NDArray[np.uint8]
WIDTH, HEIGHT = 640, 480
SAMPLE_FPS = 2.0
GOAL_FPS = 100.0


def pin_to_one_core() -> int:
    """Run on a single CPU, OpenCV single-threaded; returns the CPU id."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    cv2.setNumThreads(1)
    return cpu


def session_frames(minutes: float) -> list[Image]:
    """A generated exam: mostly a steady candidate, with absences, a visitor, turns, a cover."""
    hopper = cv2.imread(str(get_sample_data("grace_hopper.jpg", asfileobj=False)))
    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    ramp = np.linspace(70, 170, WIDTH, dtype=np.float32)
    background = cv2.merge([np.repeat(ramp[None, :], HEIGHT, axis=0)] * 3).astype(np.uint8)
    head = hopper[60:460, 56:456]
    steady = [
        paste(background, head, 60 + dx, 60 + dy, 340) for dx, dy in ((0, 0), (6, 3), (-5, 2), (3, -4))
    ]
    visitor = paste(steady[0], astronaut[0:230, 110:320], 420, 100, 200)
    turned = paste(background, turn(hopper[120:400, 120:380], 0.45), 140, 60, 360)
    black = np.full((HEIGHT, WIDTH, 3), 6, np.uint8)
    minute = (
        [steady[i % 4] for i in range(96)] + [background] * 6 + [visitor] * 4 + [turned] * 8 + [black] * 6
    )
    total = round(minutes * 60 * SAMPLE_FPS)
    return [minute[i % len(minute)] for i in range(total)]


def time_pipeline(frames: Sequence[Image]) -> tuple[float, int]:
    """Seconds for detection + mesh + pose + segmenting over the frames, and the event count."""
    analyzer = IncrementalAnalyzer(sample_fps=SAMPLE_FPS)
    analyzer.feed(frames[0], 0.0)
    started = time.perf_counter()
    for index, frame in enumerate(frames[1:], start=1):
        analyzer.feed(frame, index / SAMPLE_FPS)
    result = analyzer.finish()
    return time.perf_counter() - started, len(result.events)


def time_raw_detector(frames: Sequence[Image]) -> float:
    """Seconds for MediaPipe face detection alone (BGR->RGB included) over the frames."""
    detector = MediaPipeFaceDetector()
    detector.detect(frames[0])
    started = time.perf_counter()
    for frame in frames[1:]:
        detector.detect(frame)
    elapsed = time.perf_counter() - started
    detector.close()
    return elapsed


def time_video_path(frames: Sequence[Image], seconds: float, video_fps: float = 10.0) -> tuple[float, int]:
    """Seconds for analyze_video (decode + sampling + pipeline) on an MJPG file, and frames analysed."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "session.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), video_fps, (WIDTH, HEIGHT))
        for index in range(round(seconds * video_fps)):
            writer.write(frames[int(index * SAMPLE_FPS / video_fps) % len(frames)])
        writer.release()
        started = time.perf_counter()
        result = analyze_video(path, sample_fps=SAMPLE_FPS)
        return time.perf_counter() - started, result.frames_analyzed


def main() -> None:
    """Run the three measurements and report them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="generated session length")
    parser.add_argument("--video-seconds", type=float, default=60.0, help="decode-path video length")
    args = parser.parse_args()
    cpu = pin_to_one_core()
    frames = session_frames(args.minutes)
    pipeline_s, events = time_pipeline(frames)
    detector_s = time_raw_detector(frames)
    video_s, video_frames = time_video_path(frames, args.video_seconds)
    pipeline_fps = (len(frames) - 1) / pipeline_s
    report = {
        "cpu": cpu,
        "resolution": f"{WIDTH}x{HEIGHT}",
        "session_minutes": args.minutes,
        "frames": len(frames),
        "events": events,
        "pipeline_fps": round(pipeline_fps, 1),
        "raw_detector_fps": round((len(frames) - 1) / detector_s, 1),
        "video_path_fps": round(video_frames / video_s, 1),
        "video_frames": video_frames,
        "sixty_minute_exam_s": round(60 * 60 * SAMPLE_FPS / pipeline_fps, 1),
        "goal_fps": GOAL_FPS,
        "meets_goal": pipeline_fps >= GOAL_FPS,
    }
    table = Table(title=f"proctoring throughput, 1 core (cpu {cpu}), {WIDTH}x{HEIGHT}")
    table.add_column("measure")
    table.add_column("frames/s", justify="right")
    table.add_row("pipeline: detect + mesh + pose + segment", f"{report['pipeline_fps']}")
    table.add_row("raw MediaPipe face detector (ceiling)", f"{report['raw_detector_fps']}")
    table.add_row(f"video file path incl. decode ({video_frames} frames)", f"{report['video_path_fps']}")
    Console(stderr=True).print(table)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
