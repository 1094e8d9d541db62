"""Write a sample exam-session video from real photos shipped by matplotlib and scikit-image.

Run: uv run python bench/sample_video.py sample.mp4 [enrolment.jpg]   (or sample.avi: MJPEG, silent)
The 70 s session: the candidate (Grace Hopper) present, absent for 6 s, a second person for 4 s, a
covered camera for 4 s, then someone else (the astronaut) in her seat for 24 s, and Hopper again.
An .mp4 also carries room noise and, from 12 s, a voice reading an answer aloud (espeak-ng, Debian's
speech synthesiser). With a second path it also writes her enrolment photo (matplotlib's
grace_hopper.jpg), for `cognify proctor analyze --enrolment-photo`.
"""

import shutil
import sys
from pathlib import Path

from matplotlib.cbook import get_sample_data

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "proctoring"))

from proctoring_media import compose_scenes, soundtrack, speech, write_h264, write_video  # noqa: E402


def main(path: str, photo: str | None = None) -> None:
    """Compose the scenes and write the video (and the enrolment photo)."""
    scenes = compose_scenes()
    segments = [(6.0, scenes.frontal), (6.0, scenes.empty), (4.0, scenes.frontal),
                (4.0, scenes.two_faces), (4.0, scenes.frontal), (4.0, scenes.covered),
                (6.0, scenes.frontal), (24.0, scenes.astronaut), (12.0, scenes.frontal)]
    length = sum(seconds for seconds, _ in segments)
    if path.endswith(".mp4"):
        voice = speech("The answer to question three is forty two. Question four is photosynthesis.")
        write_h264(Path(path), segments, audio=soundtrack(length, [(12.0, voice)]))
    else:
        write_video(Path(path), segments)
    print(f"wrote {path} ({length:.0f} s)")
    if photo:
        shutil.copyfile(get_sample_data("grace_hopper.jpg", asfileobj=False), photo)
        print(f"wrote {photo} (the enrolment photo)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sample.avi", sys.argv[2] if len(sys.argv) > 2 else None)
