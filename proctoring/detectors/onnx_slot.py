"""A generic ONNX model slot run by onnxruntime on CPU."""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from proctoring.policy import DetectorSettings
from proctoring.sources import Image


@dataclass(frozen=True, slots=True)
class OnnxResult:
    """Every raw model output, and the maximum of the score output."""

    outputs: list[NDArray[np.generic]]
    score: float


class OnnxModelSlot:
    """Any single-image-input ONNX model: frames are resized and laid out to its input."""

    name = "onnx_slot"

    def __init__(
        self,
        model_path: Path | str,
        score_output: int = 0,
        fallback_size: int = 224,
        threads: int = 1,
    ) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        self._float_input = model_input.type != "tensor(uint8)"
        shape = [dim if isinstance(dim, int) and dim > 0 else None for dim in model_input.shape]
        if len(shape) != 4:
            raise ValueError(f"ONNX slot needs a 4-D image input, got {model_input.shape}")
        self._channels_first = shape[1] == 3 or (shape[1] is None and shape[3] != 3)
        height, width = (shape[2], shape[3]) if self._channels_first else (shape[1], shape[2])
        self._size = (width or fallback_size, height or fallback_size)
        if score_output >= len(self._session.get_outputs()):
            raise ValueError(f"model has no output number {score_output}")
        self._score_output = score_output

    @classmethod
    def from_settings(cls, settings: DetectorSettings) -> "OnnxModelSlot | None":
        """The slot configured in ``settings``, or None when no model path is set."""
        if settings.onnx_model_path is None:
            return None
        return cls(
            settings.onnx_model_path,
            score_output=settings.onnx_score_output,
            fallback_size=settings.onnx_input_size,
            threads=settings.onnx_threads,
        )

    def preprocess(self, image: Image) -> NDArray[np.generic]:
        """BGR frame -> RGB tensor of the model's input size, layout and dtype (batch of 1)."""
        rgb = cv2.cvtColor(cv2.resize(image, self._size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
        tensor: NDArray[np.generic] = rgb.astype(np.float32) / 255.0 if self._float_input else rgb
        if self._channels_first:
            tensor = tensor.transpose(2, 0, 1)
        return np.ascontiguousarray(tensor[np.newaxis])

    def detect(self, image: Image) -> OnnxResult:
        """Run the model on one frame."""
        outputs = self._session.run(None, {self._input_name: self.preprocess(image)})
        score_values = np.asarray(outputs[self._score_output])
        score = float(score_values.max()) if score_values.size else 0.0
        return OnnxResult(outputs=[np.asarray(output) for output in outputs], score=score)

    def close(self) -> None:
        """Nothing to release early; onnxruntime frees the session with the object."""
