"""`edgetrack info`: what a tracker is — parameters, MACs, input sizes, candidate-elimination settings.

Checkpoints (.pth, .tar, ...) and architecture files (.json, .yaml) are counted in torch, imported
inside the command. ONNX (.onnx) and OpenVINO IR (.xml) files are read without torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from edgetrack.errors import EdgetrackError

METADATA_KEY = "edgetrack"


def _millions(n: int) -> str:
    return f"{n / 1e6:.3f} M ({n:,})"


def _giga(n: int) -> str:
    return f"{n / 1e9:.3f} G ({n:,})"


def _config_rows(cfg) -> list[tuple[str, str]]:
    n, nz = cfg.feat_size, cfg.template_feat_size
    rows = [
        ("architecture", f"ViT {cfg.embed_dim} dims x {cfg.depth} blocks, {cfg.num_heads} heads, "
                         f"MLP x{cfg.mlp_ratio:g}, patch {cfg.patch_size}"),
        ("template input", f"1x3x{cfg.template_size}x{cfg.template_size} ({nz}x{nz} tokens), "
                           f"crop factor {cfg.template_factor:g}"),
        ("search input", f"1x3x{cfg.search_size}x{cfg.search_size} ({n}x{n} tokens), "
                         f"crop factor {cfg.search_factor:g}"),
        ("head", f"{cfg.head} ({cfg.head_channels} channels), maps 1x1x{n}x{n}, 1x2x{n}x{n}, 1x2x{n}x{n}"),
    ]  # fmt: skip
    if cfg.ce_enabled:
        counts = cfg.search_token_counts()
        stages = " -> ".join(str(c) for c in [n * n] + [counts[i] for i in cfg.ce_loc])
        ratios = ", ".join(f"{r:g}" for r in cfg.keep_ratios)
        ce = f"blocks {list(cfg.ce_loc)}, keep {ratios}, search tokens {stages}"
        ce += f", scored by {cfg.ce_template_range}"
        rows.append(("candidate elimination", ce))
    else:
        rows.append(("candidate elimination", "off"))
    return rows


def _torch_rows(path: Path, arch_config: Path | None) -> list[tuple[str, str]]:
    """Build the model in torch and count it; load the checkpoint's weights when one is given."""
    from edgetrack.models.checkpoint import (
        ARCH_SUFFIXES,
        checkpoint_architecture,
        find_state_dict,
        infer_config,
        is_vit_backbone,
        load_checkpoint,
        read_checkpoint,
    )
    from edgetrack.models.complexity import count_complexity
    from edgetrack.models.ostrack import build_tracker

    rows: list[tuple[str, str]] = []
    is_arch_file = path.suffix.lower() in ARCH_SUFFIXES
    found = checkpoint_architecture(path, path if is_arch_file else arch_config)
    if found is not None:
        cfg = found.config
        rows.append(("architecture from", found.origin))
    else:
        sd = find_state_dict(read_checkpoint(path)[0])
        if is_vit_backbone(sd):
            raise EdgetrackError(f"{path} holds a ViT backbone only: give the tracker with --arch-config")
        cfg = infer_config(sd)
        rows.append(("architecture from", "tensor shapes (CE settings unknown: counted without CE; "
                                          "give --arch-config for them)"))  # fmt: skip
    model = build_tracker(cfg)
    if not is_arch_file:
        report = load_checkpoint(model, path)
        ignored = f", {len(report.ignored)} keys ignored" if report.ignored else ""
        rows.append(("checkpoint", report.kind + ignored))
        if report.foreign_objects:
            rows.append(("pickled objects (not run)", ", ".join(report.foreign_objects[:6])))
    counted = count_complexity(model)
    head = sum(p.numel() for p in model.box_head.parameters())
    rows.append(("parameters", f"{_millions(counted.params)}; head {head / 1e6:.3f} M"))
    rows.append(("MACs", _giga(counted.macs) + (" with CE" if cfg.ce_enabled else "")))
    if cfg.ce_enabled:
        rows.append(("MACs without CE", _giga(count_complexity(model, with_ce=False).macs)))
    linear_only = counted.macs - counted.macs_by_part.get("attention products", 0)
    rows.append(("MACs without q@k, attn@v", _giga(linear_only) + " (as thop counts: papers' figures)"))
    parts = ", ".join(f"{k} {v / 1e9:.3f} G" for k, v in counted.macs_by_part.items())
    rows.append(("MACs by part", parts))
    return rows + _config_rows(cfg)


def _metadata_rows(text: str | None) -> list[tuple[str, str]]:
    if not text:
        return [("edgetrack metadata", "none")]
    try:
        meta = json.loads(text)
    except ValueError:
        return [("edgetrack metadata", f"unreadable: {text[:80]!r}")]
    if not isinstance(meta, dict):
        return [("edgetrack metadata", str(meta))]
    return [(f"meta: {k}", json.dumps(v) if not isinstance(v, str) else v) for k, v in meta.items()]


def _shape_text(dims) -> str:
    """A shape as 1x3x128x128, ONNX and IR alike; a dimension that is not fixed prints as `?`."""
    return "x".join(str(d) if isinstance(d, int) and d >= 0 else "?" for d in dims)


def _onnx_rows(path: Path) -> list[tuple[str, str]]:
    """Inputs, outputs and metadata via onnxruntime; parameters and MACs counted on the graph."""
    import onnxruntime as ort

    from edgetrack.runtime.openvino_files import read_openvino_model

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises several private exception types
        raise EdgetrackError(f"cannot read ONNX model {path}: {exc}") from exc
    rows = [(f"input {i.name}", _shape_text(i.shape)) for i in session.get_inputs()]
    rows += [(f"output {o.name}", _shape_text(o.shape)) for o in session.get_outputs()]
    try:
        model = read_openvino_model(path)
    except RuntimeError as exc:  # operators OpenVINO lacks (onnxruntime's QGemm, com.microsoft ops)
        rows += _initializer_rows(path)
        rows.append(("MACs", f"not counted (OpenVINO cannot read the graph: {exc})"))
    else:
        rows += _graph_rows(model)
    meta = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    return rows + _metadata_rows(meta)


def _initializer_rows(path: Path) -> list[tuple[str, str]]:
    """Parameters of an ONNX file OpenVINO cannot read: its initializer elements (`onnx` package)."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        return [("parameters", "not counted (the onnx package is not installed)")]
    graph = onnx.load(str(path)).graph
    count = sum(numpy_helper.to_array(t).size for t in graph.initializer)
    return [("parameters", _millions(int(count)) + " (initializer elements)")]


def _graph_rows(ov_model) -> list[tuple[str, str]]:
    """Parameters and MACs counted on the graph at its inferred static shapes (MACs by kind too)."""
    from edgetrack.modelstats import graph_params, macs_by_kind

    by_kind = macs_by_kind(ov_model)
    total = sum(by_kind.values())
    linear_only = total - by_kind["attention products"]
    parts = ", ".join(f"{k} {v / 1e9:.3f} G" for k, v in by_kind.items())
    return [
        ("parameters", _millions(graph_params(ov_model)) + " (weights on the graph, int8 ones included)"),
        ("MACs", _giga(total) + " (counted on the graph: Conv, MatMul/Gemm, attention products)"),
        ("MACs without q@k, attn@v", _giga(linear_only) + " (as thop counts: papers' figures)"),
        ("MACs by kind", parts),
    ]


def _openvino_rows(path: Path) -> list[tuple[str, str]]:
    """Inputs, outputs, metadata, parameters and MACs of an OpenVINO IR."""
    from edgetrack.runtime.openvino_files import read_openvino_model

    try:
        model = read_openvino_model(path)
    except RuntimeError as exc:
        raise EdgetrackError(f"cannot read OpenVINO model {path}: {exc}") from exc

    def shape(port) -> str:
        return _shape_text([d.get_length() if d.is_static else -1 for d in port.get_partial_shape()])

    rows = [(f"input {p.get_any_name()}", shape(p)) for p in model.inputs]
    rows += [(f"output {p.get_any_name()}", shape(p)) for p in model.outputs]
    rows += _graph_rows(model)
    meta = None
    if model.has_rt_info(["framework", METADATA_KEY]):
        meta = model.get_rt_info(["framework", METADATA_KEY]).astype(str)
    elif model.has_rt_info([METADATA_KEY]):
        meta = model.get_rt_info([METADATA_KEY]).astype(str)
    return rows + _metadata_rows(meta)


def info(
    model: Path = typer.Argument(
        ..., help="Checkpoint (.pth/.tar), architecture (.json/.yaml), .onnx or .xml."
    ),
    arch_config: Path | None = typer.Option(
        None, "--arch-config", help="Architecture JSON/YAML (default: the checkpoint's own or NAME.json)."
    ),
) -> None:
    """Parameters, MACs, input sizes and candidate-elimination settings of a tracker."""
    if not model.exists():
        raise EdgetrackError(f"{model} does not exist")
    suffix = model.suffix.lower()
    if suffix == ".onnx":
        rows = _onnx_rows(model)
    elif suffix == ".xml":
        rows = _openvino_rows(model)
    else:
        rows = _torch_rows(model, arch_config)
    table = Table(title=f"edgetrack info: {model.name}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for field, value in rows:
        table.add_row(field, value)
    Console(width=max(120, Console().width)).print(table)
