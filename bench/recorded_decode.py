"""Decode cost of an uploaded H.264 MP4 (640x480, 30 fps) sampled at 2 frames/s, on one core.

Writes a webcam-like recording with libx264 (PyAV) from the real photos of the proctoring tests, with
per-frame sensor noise (`--noise`, 0-255) so inter frames carry data as a camera's do, then times,
without analysis:
- OpenCV `grab`/`retrieve` (today's `VideoFileSource`);
- PyAV decoding every frame and converting only the sampled ones to BGR;
- the same with the decoder's frame threads (the whole machine).
A baseline for issue 16's decode share (PyAV is in the `bench` group until the app uses it).

    uv run --group bench python bench/recorded_decode.py [--seconds 120] [--gop 60] [--noise 12]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "proctoring"))

import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402
from proctoring_media import compose_scenes  # noqa: E402

FPS, SAMPLE_FPS, WIDTH, HEIGHT = 30, 2.0, 640, 480


def write_h264(path: Path, seconds: float, gop: int, noise: int) -> None:
    scenes = compose_scenes()
    frames = [scenes.frontal, scenes.empty, scenes.two_faces, scenes.frontal]
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"g": str(gop), "preset": "veryfast", "crf": "23"}
        total = int(seconds * FPS)
        for n in range(total):
            base = frames[(n * len(frames)) // total]
            noisy = cv2.add(base, rng.integers(0, noise + 1, base.shape, dtype=np.uint8))
            for packet in stream.encode(av.VideoFrame.from_ndarray(noisy, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def opencv_path(path: Path) -> int:
    capture, index, sampled, step = cv2.VideoCapture(str(path)), 0, 0, round(FPS / SAMPLE_FPS)
    while capture.grab():
        if index % step == 0:
            ok, _ = capture.retrieve()
            sampled += ok
        index += 1
    capture.release()
    return sampled


def pyav_path(path: Path, threads: bool) -> int:
    sampled, step = 0, round(FPS / SAMPLE_FPS)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO" if threads else "SLICE"
        stream.codec_context.thread_count = 0 if threads else 1
        for index, frame in enumerate(container.decode(stream)):
            if index % step == 0:
                frame.to_ndarray(format="bgr24")
                sampled += 1
    return sampled


def timed(label: str, fn, frames_video: int) -> dict:
    started = time.perf_counter()
    sampled = fn()
    elapsed = time.perf_counter() - started
    row = {"path": label, "seconds": round(elapsed, 3), "sampled": sampled,
           "sampled_per_s": round(sampled / elapsed, 1), "decoded_per_s": round(frames_video / elapsed, 1)}
    print(json.dumps(row))
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--gop", type=int, default=60, help="keyframe interval of the recording")
    parser.add_argument("--noise", type=int, default=12, help="per-pixel sensor noise amplitude")
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "exam.mp4"
    write_h264(path, args.seconds, args.gop, args.noise)
    print(json.dumps({"video_s": args.seconds, "fps": FPS, "gop": args.gop, "noise": args.noise,
                      "mp4_mb": round(path.stat().st_size / 1e6, 2)}))
    frames_video = int(args.seconds * FPS)
    cv2.setNumThreads(1)
    cpu = min(os.sched_getaffinity(0))
    everything = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    timed("opencv grab/retrieve, 1 core", lambda: opencv_path(path), frames_video)
    timed("pyav decode all, convert sampled, 1 core", lambda: pyav_path(path, False), frames_video)
    os.sched_setaffinity(0, everything)
    timed(f"pyav frame threads, {len(everything)} cores", lambda: pyav_path(path, True), frames_video)


if __name__ == "__main__":
    main()
