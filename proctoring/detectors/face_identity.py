"""Who is in front of the camera: dlib's ResNet face embedding (128-d, weights shipped by the
`face-recognition-models` package, prebuilt dlib from `dlib-bin`), compared by Euclidean distance.

dlib's own figure for this model is 99.38 % on LFW's standard pairs at a distance of 0.6; the bench
(`bench/face_identity.py`) measures it on the faces that ship with scikit-image.
"""

import importlib.util
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from proctoring.detectors.base import FaceBox
from proctoring.sources import Image

Embedding = NDArray[np.float32]
MATCH_DISTANCE = 0.6


def _model_dir() -> Path:
    """The package's model folder, found without importing it (its __init__ needs pkg_resources)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def distance(a: Embedding, b: Embedding) -> float:
    """Euclidean distance between two embeddings: below MATCH_DISTANCE is the same person."""
    return float(np.linalg.norm(a - b))


class FaceEmbedder:
    """5-point landmarks on a face box, then the aligned chip's 128-d embedding (about 20 ms)."""

    name = "dlib_resnet_embedding"

    def __init__(self) -> None:
        import dlib  # loads on first use

        models = _model_dir()
        self._dlib = dlib
        self._landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        network = models / "dlib_face_recognition_resnet_model_v1.dat"
        self._network = dlib.face_recognition_model_v1(str(network))

    def embed(self, image: Image, box: FaceBox) -> Embedding:
        """The embedding of the face in ``box`` of a BGR frame."""
        rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        rect = self._dlib.rectangle(box.x, box.y, box.x + box.width, box.y + box.height)
        shape = self._landmarks(rgb, rect)
        return np.asarray(self._network.compute_face_descriptor(rgb, shape), dtype=np.float32)

    def close(self) -> None:
        """dlib frees its models with the object; nothing to release early."""
