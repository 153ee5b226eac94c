"""What the CUDA inference paths (torch, TensorRT, ONNX Runtime) rely on that can be checked
without a GPU: engines exported at a fixed batch (static ONNX and TensorRT graphs: export_cache
exports at the detector's `batch`) take any number of frames, a backend says where it really
runs, and a TensorRT export names what it needs."""

from pathlib import Path

import numpy as np
import pytest

from detect.detectors import backend_choice
from detect.detectors.backends import in_fixed_batches
from detect.detectors.backends.onnx_backend import OnnxBackend
from detect.errors import ConfigError


def fixed_batch_onnx(path: Path, batch: int, fp16: bool = False) -> Path:
    """A real ONNX graph with a static batch (Identity over (batch, 3, 8, 8)), as a static export has."""
    import onnx
    from onnx import TensorProto, helper

    shape = [batch, 3, 8, 8]
    kind = TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT
    graph = helper.make_graph([helper.make_node("Identity", ["images"], ["out"])], "fixed",
                              [helper.make_tensor_value_info("images", kind, shape)],
                              [helper.make_tensor_value_info("out", kind, shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("frames", [1, 3, 4, 7])
def test_a_batch_4_onnx_graph_takes_any_number_of_frames(tmp_path, frames):
    """The last batch of a file (7 = 4 + 3), a live frame (1): before, any count but 4 recursed forever."""
    backend = OnnxBackend(str(fixed_batch_onnx(tmp_path / "b4.onnx", 4)))
    assert backend.fixed_batch == 4 and backend.device == "cpu"
    blob = np.random.default_rng(frames).random((frames, 3, 8, 8), dtype=np.float32)
    assert np.array_equal(backend.infer(blob), blob)


def test_an_fp16_onnx_graph_from_a_gpu_export_takes_the_float32_blob(tmp_path):
    """`yolo export format=onnx half=True device=0` makes float16 inputs and outputs."""
    backend = OnnxBackend(str(fixed_batch_onnx(tmp_path / "fp16.onnx", 1, fp16=True)))
    blob = np.random.default_rng(0).random((2, 3, 8, 8), dtype=np.float32)
    out = backend.infer(blob)
    assert out.dtype == np.float32
    assert np.allclose(out, blob, atol=1e-3)


def test_padding_never_reaches_the_output():
    seen: list[int] = []

    def engine(blob: np.ndarray) -> np.ndarray:
        assert blob.shape[0] == 2, "a static engine refuses any other batch"
        seen.append(int((blob.reshape(2, -1).sum(axis=1) == 0).sum()))
        return blob.reshape(2, -1).sum(axis=1, keepdims=True)

    blob = np.ones((5, 3, 4, 4), np.float32)
    assert in_fixed_batches(blob, 2, engine).tolist() == [[48.0]] * 5
    assert seen == [0, 0, 1]  # one black padding image, in the last call only


def test_openvino_never_claims_a_cuda_device():
    assert backend_choice.runs_on("openvino", "cuda:0", "auto") == "cpu"
    assert backend_choice.runs_on("torch", "cuda:0", "auto") == "cuda:0"
    assert backend_choice.runs_on("tensorrt", "cuda:1", "cuda:1") == "cuda:1"
    with pytest.raises(ConfigError, match="detector.device: cuda:0 asked for, but OpenVINO runs on the CPU"):
        backend_choice.runs_on("openvino", "cuda:0", "cuda:0")


def test_a_tensorrt_export_without_tensorrt_names_the_gpu_extra(models_dir, monkeypatch):
    import sys

    from detect.detectors.export_cache import exported

    monkeypatch.setitem(sys.modules, "tensorrt", None)  # as if not installed (it is not, on CPU machines)
    with pytest.raises(ConfigError) as exc:
        exported(str(models_dir / "yolo11n.pt"), "tensorrt", (384, 640), device="cuda:0")
    assert "'tensorrt' package" in str(exc.value) and 'pip install "detect[gpu]"' in str(exc.value)

