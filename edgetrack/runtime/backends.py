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
from edgetrack.runtime.metadata import (
    METADATA_KEY,
    ModelIO,
    ModelSpec,
    resolve_cached_contract,
    resolve_contract,
    template_cache_of,
)
from edgetrack.runtime.openvino_files import openvino_reason, read_openvino_model

BACKENDS = ("auto", "onnxruntime", "openvino")
PRECISIONS = ("f32", "bf16", "f16")
MODEL_SUFFIXES = (".onnx", ".xml")


class Session:
    """One model file loaded on a CPU runtime: named float32 inputs -> named outputs.

    Inputs are bound to the runtime once and kept bound while the caller passes the same arrays
    (the tracker's reused crop buffers): a run then allocates nothing and copies no input. Outputs
    are the runtime's own buffers, overwritten by the next run: copy what must outlive it."""

    name = "session"
    inputs: dict[str, list]
    outputs: list[tuple[str, list]]
    metadata: str | None

    def run(self, feeds: dict[str, np.ndarray], names: list[str]) -> list[np.ndarray]:
        """The outputs `names` for the inputs `feeds` (C-contiguous float32 arrays)."""
        raise NotImplementedError


def _same_arrays(bound: dict | None, feeds: dict) -> bool:
    """True when `feeds` holds exactly the arrays bound last time (the same objects)."""
    return bound is not None and bound.keys() == feeds.keys() and all(bound[k] is v for k, v in feeds.items())


class OrtSession(Session):
    """onnxruntime's CPU execution provider, f32, sequential, `threads` intra-op threads."""

    name = "onnxruntime"

    def __init__(self, path: Path, threads: int | None = None, precision: str = "f32"):
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
        self.inputs = {i.name: i.shape for i in self._session.get_inputs()}
        self.outputs = [(o.name, o.shape) for o in self._session.get_outputs()]
        self.metadata = self._session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        static = all(isinstance(d, int) and d > 0 for _, shape in self.outputs for d in shape)
        self._out = {n: np.empty(shape, np.float32) for n, shape in self.outputs} if static else None
        self._binding = self._session.io_binding()
        self._bound: dict | None = None

    def run(self, feeds, names):
        if self._out is None:  # outputs without static shapes: onnxruntime allocates them
            return self._session.run(names, feeds)
        if not _same_arrays(self._bound, feeds):
            self._bind(feeds)
        self._session.run_with_iobinding(self._binding)
        return [self._out[n] for n in names]

    def _bind(self, feeds: dict[str, np.ndarray]) -> None:
        """IOBinding of the inputs' memory and the preallocated outputs, kept until the inputs change."""
        self._binding.clear_binding_inputs()
        self._binding.clear_binding_outputs()
        for name, array in feeds.items():
            self._binding.bind_cpu_input(name, array)
        for name, out in self._out.items():
            self._binding.bind_output(name, "cpu", 0, np.float32, list(out.shape), out.ctypes.data)
        self._bound = dict(feeds)


class OvSession(Session):
    """OpenVINO's CPU plugin with the inference precision pinned, latency mode, one stream."""

    name = "openvino"

    def __init__(self, path: Path, threads: int | None = None, precision: str = "f32"):
        import openvino as ov

        if precision not in PRECISIONS:
            raise EdgetrackError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        core = ov.Core()
        config = {"INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        try:
            model = read_openvino_model(path)
            compiled = core.compile_model(model, "CPU", config)
        except RuntimeError as exc:
            raise EdgetrackError(f"cannot load model {path} with OpenVINO: {openvino_reason(exc)}") from exc
        self.inputs = {p.get_any_name(): _static_shape(p) for p in model.inputs}
        self.outputs = [(p.get_any_name(), _static_shape(p)) for p in model.outputs]
        self.metadata = _openvino_metadata(model)
        self._request = compiled.create_infer_request()
        # every name of each output: compiling can add names (a fused node's) beside the model's own
        self._output_index = {n: i for i, o in enumerate(compiled.outputs) for n in o.get_names()}
        self._tensor = ov.Tensor
        self._bound: dict | None = None

    def run(self, feeds, names):
        if not _same_arrays(self._bound, feeds):  # tensors sharing the arrays' memory, set once
            for name, array in feeds.items():
                self._request.set_tensor(name, self._tensor(array, shared_memory=True))
            self._bound = dict(feeds)
        self._request.infer()
        return [self._request.get_output_tensor(self._output_index[n]).data for n in names]


SESSIONS = {"onnxruntime": OrtSession, "openvino": OvSession}


class Backend:
    """A loaded model that maps (template, search) tensors to (score, size, offset) maps.

    A tracker calls `set_template` once per target and `run_search` per frame; a backend that caches
    the template's encoding (TemplateCachedBackend) runs its template part only in `set_template`."""

    name = "backend"

    def __init__(self, path: Path):
        self.path = path
        self.spec: ModelSpec
        self.io: ModelIO
        self._template: np.ndarray | None = None

    def _bind(self, inputs: dict, outputs: list, metadata: str | None) -> None:
        self.spec, self.io = resolve_contract(inputs, outputs, metadata)

    def run(self, template: np.ndarray, search: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One forward pass on 1x3xTxT and 1x3xSxS float32 tensors. The maps may be the runtime's
        buffers, overwritten by the next call: copy them to keep them."""
        raise NotImplementedError

    def set_template(self, template: np.ndarray) -> None:
        """The template (1x3xTxT) of the following `run_search` calls (kept by reference)."""
        self._template = template

    def run_search(self, search: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One frame's forward pass with the template given to `set_template`."""
        return self.run(self._template, search)


class SessionBackend(Backend):
    """A one-graph tracker model (template, search -> maps) on one Session."""

    def __init__(self, path: Path, session: Session):
        super().__init__(path)
        self.name = session.name
        self.session = session
        if session.metadata and template_cache_of(session.metadata) is not None:
            raise EdgetrackError(
                f"{path} is the track part of a template-cached model: open it with open_backend"
            )
        self._bind(session.inputs, session.outputs, session.metadata)
        self._outputs = [self.io.score, self.io.size, self.io.offset]

    def run(self, template, search):
        score, size, offset = self.session.run(
            {self.io.template: template, self.io.search: search}, self._outputs
        )
        return score, size, offset


class OnnxRuntimeBackend(SessionBackend):
    """A one-graph model on onnxruntime's CPU execution provider, f32."""

    def __init__(self, path: Path, threads: int | None = None, precision: str = "f32"):
        super().__init__(path, OrtSession(path, threads, precision))


class OpenVinoBackend(SessionBackend):
    """A one-graph model on OpenVINO's CPU plugin with the inference precision pinned."""

    def __init__(self, path: Path, threads: int | None = None, precision: str = "f32"):
        super().__init__(path, OvSession(path, threads, precision))


class TemplateCachedBackend(Backend):
    """A two-part template-cached model: the init part runs once per `set_template`, the track part
    (search + the cached template keys and values) once per `run_search`."""

    def __init__(self, path: Path, init: Session, track: Session):
        super().__init__(path)
        self.name = track.name
        self.init, self.track = init, track
        self.spec, self.io, self.cache_names = resolve_cached_contract(
            init.inputs, init.outputs, track.inputs, track.outputs, track.metadata
        )
        self._outputs = [self.io.score, self.io.size, self.io.offset]
        self._feeds: dict[str, np.ndarray] = {}

    def set_template(self, template):
        cache = self.init.run({"template": template}, self.cache_names)
        self._feeds = {name: array.copy() for name, array in zip(self.cache_names, cache, strict=True)}

    def run_search(self, search):
        if not self._feeds:
            raise EdgetrackError("run_search() called before set_template()")
        self._feeds[self.io.search] = search
        score, size, offset = self.track.run(self._feeds, self._outputs)
        return score, size, offset

    def run(self, template, search):
        self.set_template(template)
        return self.run_search(search)


def load_backend(path: Path, kind: str, threads: int | None, precision: str, init_path: Path | None = None):
    """The model at `path` on one runtime (`kind`: onnxruntime or openvino): a SessionBackend, or for
    the track part of a template-cached model a TemplateCachedBackend with its init part (from the
    metadata's file name beside it, or `init_path`)."""
    session = SESSIONS[kind](path, threads, precision)
    cache = template_cache_of(session.metadata)
    if cache is None:
        return SessionBackend(path, session)
    spec = ModelSpec.from_json(session.metadata)  # checks the init file's name
    init_file = init_path or path.parent / spec.template_cache["init"]
    if not Path(init_file).is_file():
        raise EdgetrackError(f"{path} is a template-cached model but its init part {init_file} is missing")
    return TemplateCachedBackend(path, SESSIONS[kind](Path(init_file), threads, precision), session)


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
    model_path: Path | str,
    backend: str = "auto",
    threads: int | None = None,
    precision: str = "f32",
    init_path: Path | None = None,
) -> Backend:
    """Load a model with the named backend; "auto" times both on an ONNX file and keeps the faster.
    A template-cached model's init part is found beside it (or given as `init_path`)."""
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
        return load_backend(path, "openvino", threads, precision, init_path)
    first = load_backend(path, "onnxruntime", threads, precision, init_path)
    if backend == "onnxruntime":
        return first
    second = load_backend(path, "openvino", threads, precision, init_path)
    return min((first, second), key=median_latency_ms)
