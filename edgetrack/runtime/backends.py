"""Inference sessions for onnxruntime and OpenVINO behind one interface: run(template, search).

Both load an ONNX file; OpenVINO also loads its own IR (.xml + .bin). `open_backend(..., "auto")` picks
the faster of the two for this model on this CPU by timing a few runs of each (IR files: OpenVINO).
OpenVINO's precision is pinned (f32 unless asked): left alone it runs bf16 on CPUs with AMX.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from edgetrack.errors import EdgetrackError
from edgetrack.precision import runtime_hint
from edgetrack.runtime.metadata import METADATA_KEY, ModelIO, ModelSpec, resolve_contract

BACKENDS = ("auto", "onnxruntime", "openvino")
PRECISIONS = ("f32", "bf16", "f16")
MODEL_SUFFIXES = (".onnx", ".xml")


class Backend:
    """A loaded model that maps (template, search) tensors to (score, size, offset) maps."""

    name = "backend"

    def __init__(self, path: Path):
        self.path = path
        self.spec: ModelSpec
        self.io: ModelIO

    def _bind(self, inputs: dict, outputs: list, metadata: str | None) -> None:
        self.spec, self.io = resolve_contract(inputs, outputs, metadata)

    def run(self, template: np.ndarray, search: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One forward pass on 1x3xTxT and 1x3xSxS float32 tensors."""
        raise NotImplementedError


class OnnxRuntimeBackend(Backend):
    """onnxruntime's CPU execution provider, f32."""

    name = "onnxruntime"

    def __init__(self, path: Path, threads: int | None = None, precision: str = "f32"):
        super().__init__(path)
        import onnxruntime as ort

        if precision != "f32":
            raise EdgetrackError(
                f"onnxruntime runs f32 models as f32; for {precision} use --backend openvino"
            )
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Exception subclasses for bad files
            raise EdgetrackError(f"cannot load model {path} with onnxruntime: {_first_line(exc)}") from exc
        inputs = {i.name: i.shape for i in self._session.get_inputs()}
        outputs = [(o.name, o.shape) for o in self._session.get_outputs()]
        metadata = self._session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        self._bind(inputs, outputs, metadata)
        self._outputs = [self.io.score, self.io.size, self.io.offset]

    def run(self, template, search):
        score, size, offset = self._session.run(
            self._outputs, {self.io.template: template, self.io.search: search}
        )
        return score, size, offset


class OpenVinoBackend(Backend):
    """OpenVINO's CPU plugin with the inference precision pinned, latency mode, one stream."""

    name = "openvino"

    def __init__(self, path: Path, threads: int | None = None, precision: str = "f32"):
        super().__init__(path)
        import openvino as ov

        if precision not in PRECISIONS:
            raise EdgetrackError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        core = ov.Core()
        config = {"INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        try:
            model = core.read_model(str(path))
            compiled = core.compile_model(model, "CPU", config)
        except RuntimeError as exc:
            raise EdgetrackError(f"cannot load model {path} with OpenVINO: {_first_line(exc)}") from exc
        inputs = {p.get_any_name(): _static_shape(p) for p in model.inputs}
        outputs = [(p.get_any_name(), _static_shape(p)) for p in model.outputs]
        self._bind(inputs, outputs, _openvino_metadata(model))
        self._request = compiled.create_infer_request()
        names = [o.get_any_name() for o in compiled.outputs]
        self._output_index = [names.index(n) for n in (self.io.score, self.io.size, self.io.offset)]

    def run(self, template, search):
        self._request.infer({self.io.template: template, self.io.search: search}, share_inputs=True)
        score, size, offset = (self._request.get_output_tensor(i).data.copy() for i in self._output_index)
        return score, size, offset


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _static_shape(port) -> list:
    """A port's shape as a list of ints, with -1 for dynamic dimensions."""
    shape = port.get_partial_shape()
    return [d.get_length() if d.is_static else -1 for d in shape]


def _openvino_metadata(model) -> str | None:
    """The `edgetrack` JSON of an OpenVINO model: rt_info of an IR, or an ONNX metadata_props entry."""
    for key in ([METADATA_KEY], ["framework", METADATA_KEY]):
        if model.has_rt_info(key):
            return str(model.get_rt_info(key).astype(str))
    return None


def check_model_file(path: Path | str) -> Path:
    """The model path if it is an existing .onnx or .xml file (with its .bin), else an EdgetrackError."""
    path = Path(path)
    if not path.is_file():
        raise EdgetrackError(f"model file {path} does not exist")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise EdgetrackError(f"model {path} is neither an ONNX (.onnx) nor an OpenVINO IR (.xml) file")
    if path.suffix.lower() == ".xml" and not path.with_suffix(".bin").is_file():
        raise EdgetrackError(f"OpenVINO model {path} has no weights file {path.with_suffix('.bin').name}")
    return path


def median_latency_ms(backend: Backend, runs: int = 5, warmup: int = 2) -> float:
    """Median wall time of one forward pass on zero inputs (for choosing a backend)."""
    spec = backend.spec
    template = np.zeros((1, 3, spec.template_size, spec.template_size), np.float32)
    search = np.zeros((1, 3, spec.search_size, spec.search_size), np.float32)
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        backend.run(template, search)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def open_backend(
    model_path: Path | str, backend: str = "auto", threads: int | None = None, precision: str = "f32"
) -> Backend:
    """Load a model with the named backend; "auto" times both on an ONNX file and keeps the faster."""
    path = check_model_file(model_path)
    precision = runtime_hint(precision)  # fp32/fp16/bf16 (or f32/f16) -> the library's hint
    if backend not in BACKENDS:
        raise EdgetrackError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if threads is not None and threads < 1:
        raise EdgetrackError(f"threads must be at least 1, got {threads}")
    if precision not in PRECISIONS:
        raise EdgetrackError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    is_ir = path.suffix.lower() == ".xml"
    if backend == "onnxruntime" and is_ir:
        raise EdgetrackError(f"onnxruntime cannot load the OpenVINO IR {path}; use --backend openvino")
    if backend == "openvino" or (backend == "auto" and (is_ir or precision != "f32")):
        return OpenVinoBackend(path, threads, precision)
    first = OnnxRuntimeBackend(path, threads, precision)
    if backend == "onnxruntime":
        return first
    second = OpenVinoBackend(path, threads, precision)
    return min((first, second), key=median_latency_ms)
