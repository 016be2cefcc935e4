"""`edgetrack export`: a checkpoint (torch) or an ONNX file -> ONNX / OpenVINO IR in fp32, fp16, bf16 or
int8, checked against its reference before anything is written to OUT.

fp32 and int8 exist for both formats; fp16 is an IR with fp16-compressed weights; bf16 is a runtime
precision (OpenVINO's INFERENCE_PRECISION_HINT): the file is the fp32 IR, the check runs it in bf16.

A checkpoint with asymmetric attention exports in two parts (edgetrack.models.template_cache): OUT is the
track part and OUT's NAME.init.onnx / .xml beside it the init part, which OUT's metadata names
(`template_cache`). `template_cache=False` exports it as one graph instead.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from edgetrack.datasets.discover import find_sequences
from edgetrack.deploy.calibration import CropPair, crop_pairs
from edgetrack.deploy.onnx_io import load_onnx, save_onnx, set_metadata
from edgetrack.deploy.outputs import atomic_outputs
from edgetrack.deploy.spec import (
    file_sha256,
    read_onnx_contract,
    spec_for_config,
    template_cache_entry,
    with_precision,
)
from edgetrack.deploy.verify import BoxAgreement, OutputDiff, box_agreement, compare_outputs
from edgetrack.errors import EdgetrackError
from edgetrack.modelstats import model_stats
from edgetrack.runtime.backends import Backend, open_backend
from edgetrack.runtime.metadata import ModelIO, ModelSpec
from edgetrack.runtime.tracker import Tracker

FORMATS = ("onnx", "openvino")
PRECISIONS = ("fp32", "fp16", "bf16", "int8")
SUFFIX = {"onnx": ".onnx", "openvino": ".xml"}
FP32_TOLERANCE = 1e-4
VERIFY_CROPS = 16


@dataclass(frozen=True)
class ExportRequest:
    """What to export: source file, architecture (checkpoints), target format/precision, data, output."""

    source: Path
    format: str
    precision: str = "fp32"
    out: Path | None = None
    arch_config: Path | None = None
    calib: Path | None = None
    calib_frames: int = 100
    verify: bool = True
    verify_source: Path | None = None
    threads: int | None = None
    template_cache: bool = True


@dataclass
class ExportReport:
    """What was written and how it compares with the reference."""

    outputs: list[Path]
    spec: ModelSpec
    reference: str
    diffs: list[OutputDiff] = field(default_factory=list)
    agreement: dict[str, BoxAgreement] = field(default_factory=dict)
    real_crops: bool = True
    runtime_precision: str = "f32"


def check_request(req: ExportRequest) -> None:
    """Raise a one-line EdgetrackError for anything wrong with the request, before any work."""
    if req.format not in FORMATS:
        raise EdgetrackError(f"unknown format {req.format!r}: use {' or '.join(FORMATS)}")
    if req.precision not in PRECISIONS:
        raise EdgetrackError(f"unknown precision {req.precision!r}: use one of {', '.join(PRECISIONS)}")
    if req.format == "onnx" and req.precision in ("fp16", "bf16"):
        raise EdgetrackError(f"{req.precision} is for --format openvino (ONNX export: fp32 or int8)")
    if not req.source.is_file():
        raise EdgetrackError(f"{req.source} does not exist")
    if req.precision == "int8" and req.calib is None:
        raise EdgetrackError("int8 needs calibration frames: give --calib SEQUENCE_OR_FOLDER")
    if req.calib_frames < 1:
        raise EdgetrackError(f"--calib-frames must be at least 1, got {req.calib_frames}")
    out = output_path(req)
    if out.suffix.lower() != SUFFIX[req.format]:
        raise EdgetrackError(f"output {out} must end in {SUFFIX[req.format]} for --format {req.format}")
    if not out.parent.is_dir():
        raise EdgetrackError(f"output folder {out.parent} does not exist")
    if out.resolve() == req.source.resolve():
        raise EdgetrackError(f"output {out} would overwrite the input")


def output_path(req: ExportRequest) -> Path:
    """OUT, or NAME_PRECISION.onnx/.xml in the current folder."""
    if req.out is not None:
        return req.out
    stem = req.source.name.split(".")[0]
    return Path(f"{stem}_{req.precision}{SUFFIX[req.format]}")


def init_part_path(out: Path) -> Path:
    """Where a two-part export's init part goes: NAME.init.onnx / NAME.init.xml beside OUT."""
    return out.with_name(f"{out.stem}.init{out.suffix}")


def _file_targets(path: Path, fmt: str) -> list[Path]:
    return [path.with_suffix(".bin"), path] if fmt == "openvino" else [path]


class _Reference:
    """The model the export is checked against: the torch network, or the fp32 ONNX (ONNX input)."""

    def __init__(self, req: ExportRequest, tmp: Path):
        self.fp32_onnx = tmp / "fp32.onnx"
        self.fp32_init_onnx = tmp / "fp32.init.onnx"
        self.cached = False
        self.init_proto = None
        self.source = req.source
        sha = file_sha256(req.source)
        if req.source.suffix.lower() == ".onnx":
            proto = load_onnx(req.source)
            cache = template_cache_entry(proto)
            if cache is not None:  # the track part of a two-part export; its init part lies beside it
                self.init_proto = load_onnx(_init_part_of(req.source, cache))
                self.cached = True
            spec, self.io, carried = read_onnx_contract(proto, self.init_proto)
            self.spec = with_precision(spec, "fp32", sha)
            self.torch_model = None
            self.name = f"fp32 ONNX {req.source.name} (onnxruntime)"
            self.counts = _onnx_counts(req.source)
        else:
            from edgetrack.deploy.torch_export import load_tracker, torch_to_onnx

            self.torch_model, config = load_tracker(req.source, req.arch_config)
            self.cached = config.asymmetric_attention and req.template_cache
            if self.cached:
                from edgetrack.deploy.torch_export import template_cache_to_onnx

                self.init_proto, proto = template_cache_to_onnx(self.torch_model)
            else:
                proto = torch_to_onnx(self.torch_model)
            carried = {}
            self.spec = spec_for_config(config, sha)
            self.io = ModelIO("template", "search", "score", "size", "offset")
            self.name = f"torch {req.source.name}"
            self.counts = _torch_counts(self.torch_model)
        self.carried = carried
        self.proto = proto
        save_onnx(proto, self.fp32_onnx)
        if self.cached:
            save_onnx(self.init_proto, self.fp32_init_onnx)
            self.counts = _cached_counts(self.counts, self.fp32_init_onnx, self.fp32_onnx)
            self.spec = replace(self.spec, template_cache={"init": init_part_path(output_path(req)).name})
        set_metadata(proto, self.spec, carried, self.counts)
        save_onnx(proto, self.fp32_onnx)

    def backend(self, threads: int | None) -> Backend:
        """The reference as a runtime backend: torch eager, or the fp32 ONNX on onnxruntime."""
        if self.torch_model is None:
            init_path = self.fp32_init_onnx if self.cached else None
            return open_backend(self.fp32_onnx, "onnxruntime", threads, init_path=init_path)
        from edgetrack.deploy.torch_backend import TorchBackend

        return TorchBackend(self.torch_model, self.source, threads)


def _init_part_of(track_part: Path, cache: dict) -> Path:
    """The init part a two-part ONNX input names in its metadata; a one-line error when it is missing."""
    init_path = track_part.parent / str(cache.get("init", ""))
    if not init_path.is_file() or init_path.suffix.lower() != ".onnx":
        raise EdgetrackError(f"{track_part} is a template-cached model; its init part {init_path} is missing")
    return init_path


def _torch_counts(model) -> dict[str, int]:
    from edgetrack.models.complexity import count_complexity

    counted = count_complexity(model)
    return {"params": counted.params, "macs": counted.macs}


def _cached_counts(counts: dict[str, int], init_onnx: Path, track_onnx: Path) -> dict[str, int]:
    """A two-part model's counts: all its parameters; MACs of the track part (what runs per frame)
    and of the init part (once per target), counted on the graphs."""
    from edgetrack.modelstats import graph_counts
    from edgetrack.runtime.openvino_files import read_openvino_model

    per_frame = graph_counts(read_openvino_model(track_onnx))[1]
    per_init = graph_counts(read_openvino_model(init_onnx))[1]
    return {"params": counts["params"], "macs": per_frame, "init_macs": per_init}


def _onnx_counts(path: Path) -> dict[str, int]:
    """Counts an ONNX input already carries in its metadata, else counted on its graph."""
    stats = model_stats(path)
    return {"params": stats.params, "macs": stats.macs}


def _write_init(req: ExportRequest, ref: _Reference, target: Path) -> None:
    """Write a two-part export's init part to `target` (a temporary path), metadata without the cache
    entry (it is not a tracker on its own). An int8 export keeps its init part fp32: it runs once per
    target, and its cache is what the track part was calibrated on."""
    spec = replace(
        with_precision(ref.spec, "fp16" if req.precision == "fp16" else "fp32"), template_cache=None
    )
    counts = {"macs": ref.counts["init_macs"]}
    if req.format == "onnx":
        set_metadata(ref.init_proto, spec, {}, counts)
        save_onnx(ref.init_proto, target)
        return
    from edgetrack.deploy.openvino_io import ov_model_from_onnx, save_ir_files

    model = ov_model_from_onnx(ref.fp32_init_onnx)
    save_ir_files(model, target, spec, counts, compress_to_fp16=req.precision == "fp16")


def _write(req: ExportRequest, ref: _Reference, target: Path, pairs: list[CropPair] | None) -> ModelSpec:
    """Write the requested file to `target` (a temporary path); return the spec stored in it."""
    file_precision = "fp32" if req.precision == "bf16" else req.precision
    spec = with_precision(ref.spec, file_precision)
    feeds = _calibration_feeds(ref, pairs) if req.precision == "int8" else None
    if req.format == "onnx":
        if req.precision == "int8":
            from edgetrack.deploy.quantize import quantize_onnx

            quantize_onnx(ref.fp32_onnx, target, feeds, ref.io)
            proto = load_onnx(target)
        else:
            proto = ref.proto
        set_metadata(proto, spec, ref.carried, ref.counts)
        save_onnx(proto, target)
        return spec
    from edgetrack.deploy.openvino_io import ov_model_from_onnx, save_ir_files

    model = ov_model_from_onnx(ref.fp32_onnx)
    if req.precision == "int8":
        from edgetrack.deploy.quantize import float_layers, quantize_openvino

        model = quantize_openvino(model, feeds, float_layers(load_onnx(ref.fp32_onnx), ref.io))
    save_ir_files(model, target, spec, ref.counts, compress_to_fp16=req.precision == "fp16")
    return spec


def _calibration_feeds(ref: _Reference, pairs: list[CropPair]) -> list[dict[str, np.ndarray]]:
    """Calibration inputs of the graph being quantised: the crops, or for a two-part export the search
    crops with the template cache that the fp32 init part computes."""
    from edgetrack.deploy.quantize import calibration_feeds
    from edgetrack.runtime.backends import OrtSession

    init_part = OrtSession(ref.fp32_init_onnx, threads=1) if ref.cached else None
    return calibration_feeds(pairs, ref.io, init_part)


def run_export(req: ExportRequest, progress=None) -> ExportReport:
    """Export, check against the reference, and only then move the file(s) onto OUT."""
    check_request(req)
    out = output_path(req)
    calib_sequences = find_sequences(req.calib) if req.calib is not None else None
    verify_source = req.verify_source or req.calib
    verify_sequences = find_sequences(verify_source) if req.verify and verify_source else None
    with tempfile.TemporaryDirectory() as tmp:
        ref = _Reference(req, Path(tmp))
        targets = _file_targets(out, req.format)
        if ref.cached:
            targets = _file_targets(init_part_path(out), req.format) + targets
        with atomic_outputs(*targets) as temps:
            pairs = crop_pairs(calib_sequences, ref.spec, req.calib_frames) if calib_sequences else None
            spec = _write(req, ref, temps[-1], pairs)
            init_temp = temps[len(targets) // 2 - 1] if ref.cached else None
            if init_temp is not None:
                _write_init(req, ref, init_temp)
            report = ExportReport(targets, spec, ref.name)
            if req.verify:
                _verify(req, ref, temps[-1], verify_sequences, report, progress, init_temp)
    return report


def _verify(
    req, ref: _Reference, path: Path, sequences, report: ExportReport, progress, init_path=None
) -> None:
    backend_name = "onnxruntime" if req.format == "onnx" else "openvino"
    report.runtime_precision = "bf16" if req.precision == "bf16" else "f32"
    backend = open_backend(path, backend_name, req.threads, report.runtime_precision, init_path)
    if sequences:
        pairs = crop_pairs(sequences, ref.spec, VERIFY_CROPS)
    else:
        report.real_crops = False
        pairs = _random_pairs(ref.spec, VERIFY_CROPS)
    reference = ref.backend(req.threads)
    report.diffs = compare_outputs(reference.run, backend.run, pairs)
    if sequences:
        trackers = (lambda: Tracker(reference), lambda: Tracker(backend))
        report.agreement = box_agreement(*trackers, sequences, progress)
    worst = max(d.max_abs for d in report.diffs)
    if req.precision == "fp32" and worst > FP32_TOLERANCE:
        raise EdgetrackError(
            f"fp32 export differs from {ref.name} by {worst:.3g} (> {FP32_TOLERANCE:g}); nothing written"
        )


def _random_pairs(spec: ModelSpec, count: int) -> list[CropPair]:
    """Normalised crops of random uint8 images (only when no sequence is given for the check)."""
    from edgetrack.preprocess import Normalizer

    rng = np.random.default_rng(0)
    normalize = Normalizer(spec.mean, spec.std, spec.scale, bgr=spec.color == "BGR")

    def crop(size: int) -> np.ndarray:
        return normalize(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))

    return [CropPair(crop(spec.template_size), crop(spec.search_size)) for _ in range(count)]
