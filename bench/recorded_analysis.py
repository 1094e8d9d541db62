"""Analysis speed of an uploaded H.264 MP4 (640x480, 30 fps) sampled at 2 frames/s, decode included.

Writes a webcam-like recording with libx264 (PyAV) from the real photos of the proctoring tests,
with sensor noise on every frame so inter frames carry data as a camera's do: mostly a frontal
candidate, with a turn, an empty seat and a second face every few minutes. Then times:
- decoding alone (`VideoFileSource`, sampled frames converted), one core;
- `analyze_video` on one core with one range (per-core figure, and the decode share);
- `analyze_video` on every core (one range per core, the default) and with one range more than
  cores, checking its events equal one pass's.

    uv run python bench/recorded_analysis.py [--minutes 10] [--gop 60] [--video exam.mp4]

``--video`` times an existing recording (writing one takes about as long as it plays).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "proctoring"))

from proctoring_media import compose_scenes, write_h264  # noqa: E402

from proctoring.pipeline import analyze_video  # noqa: E402
from proctoring.policy import DetectorSettings  # noqa: E402
from proctoring.sources import VideoFileSource  # noqa: E402

SAMPLE_FPS = 2.0


def write_exam(path: Path, minutes: float, gop: int) -> None:
    scenes = compose_scenes()
    minute = [(40.0, scenes.frontal), (6.0, scenes.turned(0.45)), (6.0, scenes.empty),
              (8.0, scenes.two_faces)]
    write_h264(path, [segment for _ in range(round(minutes)) for segment in minute], gop=gop, noise=12)


def decode_only(path: Path) -> int:
    with VideoFileSource(path, SAMPLE_FPS) as source:
        return sum(1 for _ in source)


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--gop", type=int, default=60, help="keyframe interval of the recording")
    parser.add_argument("--video", type=Path, help="an existing recording to time instead of writing one")
    args = parser.parse_args()
    path = args.video or Path(tempfile.mkdtemp()) / "exam.mp4"
    if args.video is None:
        write_exam(path, args.minutes, args.gop)
    megabytes = round(path.stat().st_size / 1e6, 1)
    with VideoFileSource(path, SAMPLE_FPS) as probe:
        minutes = round((probe.length_s or 0) / 60, 1)
    print(json.dumps({"video_min": minutes, "mp4_mb": megabytes}))
    everything = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(everything)})
    sampled, decode_s = timed(lambda: decode_only(path))
    print(json.dumps({"path": "decode only, 1 core", "sampled": sampled, "seconds": round(decode_s, 2),
                      "sampled_per_s": round(sampled / decode_s, 1)}))
    one, one_s = timed(lambda: analyze_video(path, SAMPLE_FPS, settings=DetectorSettings(analysis_threads=1)))
    print(json.dumps({"path": "analyze_video, 1 core, 1 range", "frames": one.frames_analyzed,
                      "seconds": round(one_s, 2), "analysed_per_s": round(one.frames_analyzed / one_s, 1),
                      "decode_share": round(decode_s / one_s, 3)}))
    os.sched_setaffinity(0, everything)
    cores = len(everything)
    for settings in (DetectorSettings(analysis_threads=cores), DetectorSettings(analysis_threads=cores + 1)):
        split, split_s = timed(lambda: analyze_video(path, SAMPLE_FPS, settings=settings))  # noqa: B023
        same = split.model_dump(exclude={"processing_s"}) == one.model_dump(exclude={"processing_s"})
        fps = split.frames_analyzed / split_s
        print(json.dumps({"path": f"analyze_video, {cores} cores, {settings.analysis_threads} ranges",
                          "frames": split.frames_analyzed, "seconds": round(split_s, 2),
                          "analysed_per_s": round(fps, 1), "events": len(split.events),
                          "events_identical_to_one_pass": same,
                          "sixty_min_exam_s": round(3600 * SAMPLE_FPS / fps, 1)}))


if __name__ == "__main__":
    main()
