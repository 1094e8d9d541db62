"""The ONNX slot: load a model the test builds, preprocess frames to its input, run it."""

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from proctoring.detectors import OnnxModelSlot
from proctoring.policy import DetectorSettings


def _channel_mean_model(path: Path, input_shape: list[int | str], channels_axis: int, dtype: int) -> Path:
    """A model returning per-channel means (output 0) and the overall max (output 1)."""
    spatial = [axis for axis in (1, 2, 3) if axis != channels_axis]
    as_float = helper.make_node("Cast", ["image"], ["image_f"], to=TensorProto.FLOAT)
    means = helper.make_node("ReduceMean", ["image_f"], ["means"], axes=spatial, keepdims=0)
    peak = helper.make_node("ReduceMax", ["image_f"], ["peak"], keepdims=0)
    graph = helper.make_graph(
        [as_float, means, peak],
        "channel_means",
        [helper.make_tensor_value_info("image", dtype, input_shape)],
        [
            helper.make_tensor_value_info("means", TensorProto.FLOAT, [1, 3]),
            helper.make_tensor_value_info("peak", TensorProto.FLOAT, []),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _bgr(blue: int, green: int, red: int) -> np.ndarray:
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:] = (blue, green, red)
    return frame


def test_nchw_float_model_gets_rgb_scaled_input(tmp_path: Path) -> None:
    model = _channel_mean_model(tmp_path / "nchw.onnx", [1, 3, 32, 32], 1, TensorProto.FLOAT)
    slot = OnnxModelSlot(model)
    assert slot.preprocess(_bgr(255, 0, 0)).shape == (1, 3, 32, 32)
    result = slot.detect(_bgr(255, 102, 0))
    assert len(result.outputs) == 2
    np.testing.assert_allclose(result.outputs[0], [[0.0, 0.4, 1.0]], atol=1e-6)
    assert result.score == pytest.approx(1.0)


def test_nhwc_uint8_model_with_dynamic_size_uses_fallback(tmp_path: Path) -> None:
    model = _channel_mean_model(tmp_path / "nhwc.onnx", [1, "h", "w", 3], 3, TensorProto.UINT8)
    settings = DetectorSettings(onnx_model_path=model, onnx_score_output=1, onnx_input_size=48)
    slot = OnnxModelSlot.from_settings(settings)
    assert slot is not None
    assert slot.preprocess(_bgr(0, 0, 200)).shape == (1, 48, 48, 3)
    result = slot.detect(_bgr(10, 20, 200))
    np.testing.assert_allclose(result.outputs[0], [[200.0, 20.0, 10.0]], atol=1e-4)
    assert result.score == pytest.approx(200.0)


def test_no_model_path_means_no_slot() -> None:
    assert OnnxModelSlot.from_settings(DetectorSettings()) is None


def test_bad_score_output_is_refused(tmp_path: Path) -> None:
    model = _channel_mean_model(tmp_path / "m.onnx", [1, 3, 8, 8], 1, TensorProto.FLOAT)
    with pytest.raises(ValueError, match="no output number 5"):
        OnnxModelSlot(model, score_output=5)
