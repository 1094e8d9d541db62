"""Identity check accuracy and cost: dlib's ResNet embedding on the real faces that ship with
scikit-image (its LFW subset) and matplotlib.

scikit-image's `lfw_subset()` holds 100 LFW face crops of 25x25 grey pixels without names, so
"same person" pairs are each face against itself seen differently (mirrored, brighter or darker,
slightly rotated, blurred, re-compressed), and "different" pairs are two different crops (most are
different people). The crops are upscaled to 150x150, far below a webcam's resolution, so this is a
pessimistic figure; Grace Hopper's and the astronaut's photos give the full-resolution distances.
Reports the true-match rate at a 1 % false-match rate, at dlib's 0.6 threshold, and the per-face cost.

    uv run python bench/face_identity.py
"""

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import skimage.data
from matplotlib import get_data_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "proctoring"))

from proctoring_media import compose_scenes  # noqa: E402

from proctoring.detectors import FaceBox  # noqa: E402
from proctoring.detectors.face_identity import MATCH_DISTANCE, FaceEmbedder, distance  # noqa: E402

SIDE = 150


def variants(face: np.ndarray) -> list[np.ndarray]:
    """The same face seen differently."""
    centre = (SIDE / 2, SIDE / 2)
    rotated = cv2.warpAffine(face, cv2.getRotationMatrix2D(centre, 6, 1.0), (SIDE, SIDE),
                             borderMode=cv2.BORDER_REFLECT)
    ok, jpeg = cv2.imencode(".jpg", face, [cv2.IMWRITE_JPEG_QUALITY, 40])
    return [cv2.flip(face, 1), cv2.convertScaleAbs(face, alpha=1.25, beta=10),
            cv2.convertScaleAbs(face, alpha=0.75, beta=0), rotated, cv2.GaussianBlur(face, (0, 0), 1.5),
            cv2.imdecode(jpeg, cv2.IMREAD_COLOR)]


def main() -> None:
    crops = skimage.data.lfw_subset()[:100]
    faces = [cv2.cvtColor(cv2.resize((crop * 255).astype(np.uint8), (SIDE, SIDE),
                                     interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR) for crop in crops]
    embedder = FaceEmbedder()
    box = FaceBox(8, 8, SIDE - 16, SIDE - 16, 1.0)
    started = time.perf_counter()
    base = [embedder.embed(face, box) for face in faces]
    per_face_ms = (time.perf_counter() - started) / len(faces) * 1000
    same = [distance(base[i], embedder.embed(v, box)) for i, face in enumerate(faces) for v in variants(face)]
    different = [distance(base[i], base[j]) for i in range(len(base)) for j in range(i + 1, len(base))]
    threshold_1pct = float(np.quantile(different, 0.01))
    tpr = float(np.mean(np.array(same) <= threshold_1pct))
    print(json.dumps({
        "faces": len(faces), "same_pairs": len(same), "different_pairs": len(different),
        "tpr_at_1pct_fmr": round(tpr, 3), "threshold_at_1pct_fmr": round(threshold_1pct, 3),
        "tpr_at_0.6": round(float(np.mean(np.array(same) <= MATCH_DISTANCE)), 3),
        "fmr_at_0.6": round(float(np.mean(np.array(different) <= MATCH_DISTANCE)), 4),
        "embed_ms_per_face": round(per_face_ms, 1),
    }))
    scenes = compose_scenes()
    from proctoring.detectors import MediaPipeFaceDetector

    detector = MediaPipeFaceDetector("full_range", 0.5)
    photo = cv2.imread(str(Path(get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    reference = embedder.embed(photo, detector.detect(photo)[0])
    rows = {}
    for name in ("frontal", "astronaut", "two_faces"):
        frame = getattr(scenes, name)
        rows[name] = round(distance(reference, embedder.embed(frame, detector.detect(frame)[0])), 3)
    print(json.dumps({"hopper_photo_vs_frame": rows}))


if __name__ == "__main__":
    main()
