"""Latency of tracker models the way users compare them: one row per model x backend x precision x
threads, all measured in one run on the same real frames.

Model-only latency runs the network on one real template/search crop pair; end-to-end latency is the
tracker's pre-process + inference + post-process per frame (frames are decoded beforehand). Rows are
measured in interleaved blocks of frames, so a change of machine load hits every row alike. A last
pass per row tracks the frames as `edgetrack track` does, decoded on a reader thread ahead of the
tracker: its frames over wall time are the sustained FPS with decoding (`fps_with_decode`).

Each row's achieved rate (counted MACs over the model-only mean, `gmacs_per_s`) is set against the
CPU's achievable peak at the row's threads and precision (`edgetrack.roofline`): `peak_fraction`.

Row precisions: `fp32`, `bf16`, `fp16` run a float model file at that inference precision (OpenVINO
pins it; onnxruntime runs fp32 only); `int8` rows run int8 model files (give them as MODEL, e.g. from
`edgetrack export --precision int8`). A torch checkpoint MODEL gives a `torch` (eager, fp32) row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgetrack.datasets.sequence import Sequence, read_rgb
from edgetrack.errors import EdgetrackError
from edgetrack.metrics import success_auc
from edgetrack.precision import file_runtime_hint
from edgetrack.preprocess import Normalizer, sample_target
from edgetrack.runtime.backends import Backend, open_backend
from edgetrack.runtime.prefetch import prefetched
from edgetrack.runtime.sources import ImageFiles
from edgetrack.runtime.tracker import Tracker

BACKENDS = ("onnxruntime", "openvino")
PEERS = ("opencv-vit",)
MODEL_FILES = (".onnx", ".xml")
BLOCK = 10


@dataclass
class Row:
    """One measured configuration and its samples (milliseconds) and per-sequence AUCs."""

    model: Path
    backend: str
    precision: str
    threads: int
    params: int | None
    macs: int | None
    size_mb: float
    runner: Runner
    model_ms: list[float] = field(default_factory=list)
    e2e_ms: list[float] = field(default_factory=list)
    aucs: list[float] = field(default_factory=list)
    decode_ms: list[float] = field(default_factory=list)
    with_decode_frames: int = 0
    with_decode_s: float = 0.0
    peak_gmacs: float | None = None

    @property
    def label(self) -> str:
        """What the row times, for progress bars: model, backend, precision, threads."""
        return f"{self.model.name} {self.backend} {self.precision} {self.threads} thr"

    def summary(self, cpu: dict) -> dict:
        """The row as JSON-ready values (NaN-free: missing figures are None). `cpu`: describe_cpu()
        with its one-line summary under "line"."""
        model = _stats(self.model_ms)
        e2e = _stats(self.e2e_ms)
        gmacs = self.macs / (model[0] * 1e6) if self.macs is not None and model[0] else None
        with_decode = self.with_decode_frames / self.with_decode_s if self.with_decode_s > 0 else None
        return {
            "model": self.model.name,
            "backend": self.backend,
            "precision": self.precision,
            "threads": self.threads,
            "model_ms_mean": model[0],
            "model_ms_p50": model[1],
            "model_ms_p90": model[2],
            "e2e_ms_mean": e2e[0],
            "e2e_ms_p50": e2e[1],
            "e2e_ms_p90": e2e[2],
            "e2e_fps": 1e3 / e2e[0] if e2e[0] else None,
            "frames": len(self.e2e_ms),
            "auc": float(np.mean(self.aucs)) if self.aucs else None,
            "params": self.params,
            "macs": self.macs,
            "size_mb": round(self.size_mb, 3),
            "gmacs_per_s": gmacs,
            "peak_gmacs_per_s": self.peak_gmacs,
            "peak_fraction": gmacs / self.peak_gmacs if gmacs is not None and self.peak_gmacs else None,
            "decode_ms_mean": _stats(self.decode_ms)[0],
            "fps_with_decode": with_decode,
            "cpu": cpu["line"],
            "cpu_model": cpu["model"],
            "cpu_flags": list(cpu["features"]),
        }


def _stats(values: list[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    array = np.asarray(values, np.float64)
    return float(array.mean()), float(np.percentile(array, 50)), float(np.percentile(array, 90))


class Runner:
    """A tracker of one row: `start` on the first frame, then `step` per frame -> (box, ms)."""

    threads: int
    needs_bgr = False

    def start(self, rgb: np.ndarray, bgr: np.ndarray | None, box) -> None:
        raise NotImplementedError

    def step(self, rgb: np.ndarray, bgr: np.ndarray | None) -> tuple[tuple, float]:
        raise NotImplementedError


class BackendRunner(Runner):
    """edgetrack's Tracker on an opened backend (onnxruntime, OpenVINO or torch); `infer` runs the
    network alone on a search crop after `prepare` gave the template (model-only latency: per frame,
    so a template-cached model runs its track part only)."""

    def __init__(self, backend: Backend, threads: int):
        self.backend = backend
        self.threads = threads
        self.tracker = Tracker(backend)

    def prepare(self, template):
        self.backend.set_template(template)

    def infer(self, search):
        self.backend.run_search(search)

    def start(self, rgb, bgr, box):
        self.tracker.init(rgb, box)

    def step(self, rgb, bgr):
        result = self.tracker.track(rgb)
        return result.box, sum(result.timings.values())


class OpenCvVitRunner(Runner):
    """OpenCV's cv2.TrackerVit on the same ONNX file (BGR frames, its own pre/post-processing; no
    model-only call)."""

    needs_bgr = True

    def __init__(self, model: Path, threads: int):
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        self.cv2 = cv2
        self.params = cv2.TrackerVit_Params()
        self.params.net = str(model)
        self.threads = threads
        self.tracker = None
        self.box = None

    def start(self, rgb, bgr, box):
        self.tracker = self.cv2.TrackerVit.create(self.params)
        self.box = tuple(float(v) for v in box)
        self.tracker.init(bgr, tuple(int(round(v)) for v in box))

    def step(self, rgb, bgr):
        start = time.perf_counter()
        ok, found = self.tracker.update(bgr)
        elapsed = 1e3 * (time.perf_counter() - start)
        if ok:
            self.box = tuple(float(v) for v in found)
        return self.box, elapsed


def parse_list(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    """'a,b' -> ['a', 'b'], each checked against `allowed`."""
    items = [t.strip().lower() for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        raise EdgetrackError(f"unknown {what} {', '.join(bad) or repr(text)}: use {', '.join(allowed)}")
    return items


def parse_threads(text: str) -> list[int]:
    """'1,2' -> [1, 2] (each at least 1)."""
    try:
        values = [int(t) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise EdgetrackError(f"--threads takes integers like 1,2; got {text!r}") from exc
    if not values or min(values) < 1:
        raise EdgetrackError(f"--threads takes integers >= 1; got {text!r}")
    return values


def plan_rows(
    models: list[Path],
    backends: list[str],
    precisions: list[str],
    threads: list[int],
    peers: list[str],
    arch_config: Path | None,
) -> tuple[list[Row], list[str]]:
    """Open every row's model; return the rows and notes on combinations that do not apply."""
    from edgetrack.modelstats import model_stats

    rows: list[Row] = []
    notes: list[str] = []
    for path in models:
        if not path.is_file():
            raise EdgetrackError(f"model {path} does not exist")
        if path.suffix.lower() not in MODEL_FILES:
            rows += _torch_rows(path, arch_config, threads)
            continue
        stats = model_stats(path)
        for backend in backends:
            if backend == "onnxruntime" and path.suffix.lower() == ".xml":
                notes.append(f"{path.name}: an OpenVINO IR, not run on onnxruntime")
                continue
            for precision in precisions:
                if (precision == "int8") != (stats.precision == "int8"):
                    continue  # int8 rows run int8 files; float rows run float files
                if backend == "onnxruntime" and precision in ("bf16", "fp16"):
                    notes.append(f"{path.name} onnxruntime {precision}: onnxruntime runs floats in fp32")
                    continue
                for n in threads:
                    opened = open_backend(path, backend, n, file_runtime_hint(precision))
                    rows.append(Row(path, backend, precision, n, stats.params, stats.macs, stats.size_mb,
                                    BackendRunner(opened, n)))  # fmt: skip
        if "opencv-vit" in peers and path.suffix.lower() == ".onnx" and stats.precision != "int8":
            if (stats.metadata or {}).get("template_cache"):
                notes.append(
                    f"{path.name} opencv-vit: a template-cached model, which cv2.TrackerVit cannot run"
                )
                continue
            for n in threads:
                runner = OpenCvVitRunner(path, n)
                rows.append(
                    Row(path, "opencv-vit", "fp32", n, stats.params, stats.macs, stats.size_mb, runner)
                )
    if not rows:
        raise EdgetrackError("nothing to measure: " + ("; ".join(notes) or "no models"))
    return rows, notes


def _torch_rows(path: Path, arch_config: Path | None, threads: list[int]) -> list[Row]:
    """PyTorch eager rows for a checkpoint (torch imported here only)."""
    from edgetrack.deploy.torch_backend import TorchBackend
    from edgetrack.deploy.torch_export import load_tracker
    from edgetrack.models.complexity import count_complexity

    model, _ = load_tracker(path, arch_config)
    counted = count_complexity(model)
    size = path.stat().st_size / 1e6
    return [
        Row(path, "torch", "fp32", n, counted.params, counted.macs, size,
            BackendRunner(TorchBackend(model, path, n), n))
        for n in threads
    ]  # fmt: skip


def crop_pair(sequence: Sequence, spec) -> tuple[np.ndarray, np.ndarray]:
    """A real template/search pair from the first two frames (the input for model-only latency)."""
    normalize = Normalizer(spec.mean, spec.std, spec.scale, bgr=spec.color == "BGR")
    first = read_rgb(sequence.frames[0])
    template, _ = sample_target(first, sequence.gt[0], spec.template_factor, spec.template_size)
    search, _ = sample_target(
        read_rgb(sequence.frames[1]), sequence.gt[0], spec.search_factor, spec.search_size
    )
    return normalize(template), normalize(search)


def _set_cv_threads(threads: int) -> None:
    import cv2

    cv2.setNumThreads(threads)


def model_timed(rows: list[Row]) -> list[Row]:
    """The rows whose network can be timed alone (edgetrack's backends; not OpenCV's tracker)."""
    return [r for r in rows if isinstance(r.runner, BackendRunner)]


def measure_model(rows: list[Row], sequence: Sequence, runs: int, warmup: int, tick: Callable) -> None:
    """Model-only latency: `warmup` untimed then `runs` timed passes per row, interleaved in blocks.
    `tick(label, n)` after each row's block: the row's label and its passes."""
    timed = model_timed(rows)
    inputs = {id(r): crop_pair(sequence, r.runner.backend.spec) for r in timed}
    for row in timed:
        template, search = inputs[id(row)]
        row.runner.prepare(template)
        for _ in range(warmup):
            row.runner.infer(search)
    for done in range(0, runs, BLOCK):
        for row in timed:
            _set_cv_threads(row.threads)
            for _ in range(min(BLOCK, runs - done)):
                start = time.perf_counter()
                row.runner.infer(inputs[id(row)][1])
                row.model_ms.append(1e3 * (time.perf_counter() - start))
            tick(row.label, min(BLOCK, runs - done))


def measure_tracking(rows: list[Row], sequence: Sequence, max_frames: int | None, tick: Callable) -> None:
    """End-to-end latency and boxes on one sequence (frames decoded first); AUC when it has ground truth.
    `tick(label, n)` after each row's block of frames."""
    count = min(len(sequence.frames), max_frames or len(sequence.frames))
    rgb = [read_rgb(p) for p in sequence.frames[:count]]
    need_bgr = any(r.runner.needs_bgr for r in rows)
    bgr = [np.ascontiguousarray(f[..., ::-1]) for f in rgb] if need_bgr else [None] * count
    boxes = {id(r): [tuple(sequence.gt[0])] for r in rows}
    for row in rows:
        _set_cv_threads(row.threads)
        row.runner.start(rgb[0], bgr[0], sequence.gt[0])
    for first in range(1, count, BLOCK):
        block = range(first, min(first + BLOCK, count))
        for row in rows:
            _set_cv_threads(row.threads)
            for i in block:
                box, ms = row.runner.step(rgb[i], bgr[i])
                boxes[id(row)].append(box)
                row.e2e_ms.append(ms)
            tick(row.label, len(block))
    gt = sequence.gt[:count]
    if len(gt) == count and np.isfinite(gt[0]).all():
        for row in rows:
            row.aucs.append(success_auc(np.asarray(boxes[id(row)], np.float64), gt))


def measure_with_decode(rows: list[Row], sequence: Sequence, max_frames: int | None, tick: Callable) -> None:
    """Each row tracks the sequence as `edgetrack track` does, frames decoded on a reader thread ahead
    of it; adds the tracked frames, the wall time from init to the last frame and the decode times.
    `tick(label, n)` after each row's pass."""
    count = min(len(sequence.frames), max_frames or len(sequence.frames))
    for row in rows:
        _set_cv_threads(row.threads)
        with prefetched(ImageFiles(sequence.name, sequence.frames[:count])) as source:
            frames = iter(source)
            first = next(frames)
            row.runner.start(first.rgb, _bgr(row.runner, first.rgb), sequence.gt[0])
            start = time.perf_counter()
            tracked = 0
            for frame in frames:
                row.runner.step(frame.rgb, _bgr(row.runner, frame.rgb))
                row.decode_ms.append(frame.decode_ms)
                tracked += 1
            row.with_decode_s += time.perf_counter() - start
            row.with_decode_frames += tracked
        tick(row.label, count - 1)


def _bgr(runner: Runner, rgb: np.ndarray) -> np.ndarray | None:
    return np.ascontiguousarray(rgb[..., ::-1]) if runner.needs_bgr else None


def set_peaks(rows: list[Row], tick: Callable = lambda label, n: None) -> None:
    """Measure the CPU's GEMM peak once per (threads, precision) of the rows and attach it to them;
    `tick(label, 1)` after each measured pair."""
    from edgetrack.roofline import peak_gmacs

    peaks: dict[tuple[int, str], float] = {}
    for row in rows:
        key = (row.threads, row.precision)
        if key not in peaks:
            peaks[key] = peak_gmacs(*key)
            tick(f"{row.precision} {row.threads} thr", 1)
        row.peak_gmacs = peaks[key]
