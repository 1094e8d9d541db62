"""Write a sample exam-session video from real photos shipped by matplotlib and scikit-image.

Run: uv run python bench/sample_video.py sample.avi   (or sample.mp4: H.264 with a sound track)
The 30 s session: candidate present, absent for 6 s, a second person for 4 s, a covered camera
for 4 s, then the candidate again. An .mp4 also carries room noise and, from 12 s, a voice reading
an answer aloud (espeak-ng, Debian's speech synthesiser).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "proctoring"))

from proctoring_media import compose_scenes, soundtrack, speech, write_h264, write_video  # noqa: E402


def main(path: str) -> None:
    """Compose the scenes and write the video."""
    scenes = compose_scenes()
    segments = [(6.0, scenes.frontal), (6.0, scenes.empty), (4.0, scenes.frontal),
                (4.0, scenes.two_faces), (4.0, scenes.frontal), (4.0, scenes.covered),
                (2.0, scenes.frontal)]
    if path.endswith(".mp4"):
        voice = speech("The answer to question three is forty two. Question four is photosynthesis.")
        write_h264(Path(path), segments, audio=soundtrack(30.0, [(12.0, voice)]))
    else:
        write_video(Path(path), segments)
    print(f"wrote {path} ({sum(s for s, _ in segments):.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sample.avi")
