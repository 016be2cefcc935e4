"""The `edgetrack` metadata of exported files: built from an architecture, or read from an ONNX file."""

from __future__ import annotations

import json
from dataclasses import replace

from edgetrack.errors import EdgetrackError
from edgetrack.hashing import file_sha256  # noqa: F401  (edgetrack.deploy.spec.file_sha256 for export)
from edgetrack.runtime.metadata import (
    METADATA_KEY,
    ModelIO,
    ModelSpec,
    resolve_cached_contract,
    resolve_contract,
    template_cache_of,
)

FILE_PRECISIONS = ("fp32", "fp16", "int8")


def spec_for_config(config, source_sha256: str | None, precision: str = "fp32") -> ModelSpec:
    """The ModelSpec of a TrackerConfig's export: crop sizes and factors, ImageNet RGB, the architecture."""
    return ModelSpec(
        template_size=config.template_size,
        search_size=config.search_size,
        feat_size=config.feat_size,
        template_factor=float(config.template_factor),
        search_factor=float(config.search_factor),
        size_rate=float(config.size_rate),
        min_score=float(config.min_score),
        arch=config.to_dict(),
        source_sha256=source_sha256,
        precision=precision,
    )


def with_precision(spec: ModelSpec, precision: str, source_sha256: str | None = None) -> ModelSpec:
    """The same spec for a converted file: its precision and, when given, the hash of what it came from."""
    if precision not in FILE_PRECISIONS:
        raise EdgetrackError(f"file precision must be one of {', '.join(FILE_PRECISIONS)}, got {precision!r}")
    return replace(spec, precision=precision, source_sha256=source_sha256 or spec.source_sha256)


def _graph_io(model) -> tuple[dict[str, list], list[tuple[str, list]]]:
    """Input shapes (initialisers left out) and output shapes of an onnx.ModelProto; -1 where dynamic."""
    graph = model.graph
    initializers = {t.name for t in graph.initializer}

    def shape(value) -> list:
        return [d.dim_value if d.HasField("dim_value") else -1 for d in value.type.tensor_type.shape.dim]

    inputs = {v.name: shape(v) for v in graph.input if v.name not in initializers}
    return inputs, [(v.name, shape(v)) for v in graph.output]


def read_onnx_contract(model, init_part=None) -> tuple[ModelSpec, ModelIO, dict[str, str]]:
    """Spec and I/O names of a loaded onnx.ModelProto as the runtime infers them, plus its metadata_props.
    With `init_part` (the init part's ModelProto), `model` is the track part of a template-cached model and
    the two are checked against each other.

    A file without `edgetrack` metadata (e.g. vittrack.onnx) gets the runtime's defaults and the sizes
    of its inputs and outputs.
    """
    inputs, outputs = _graph_io(model)
    props = {p.key: p.value for p in model.metadata_props}
    if init_part is None:
        spec, io = resolve_contract(inputs, outputs, props.get(METADATA_KEY))
    else:
        spec, io, _ = resolve_cached_contract(*_graph_io(init_part), inputs, outputs, props.get(METADATA_KEY))
    return spec, io, props


def template_cache_entry(model) -> dict | None:
    """The `template_cache` entry of an onnx.ModelProto's edgetrack metadata, or None."""
    return template_cache_of({p.key: p.value for p in model.metadata_props}.get(METADATA_KEY))


def metadata_json(spec: ModelSpec, counts: dict[str, int] | None = None) -> str:
    """The JSON written under the `edgetrack` key: the spec, plus counted `params` and `macs` of the
    network (which ModelSpec ignores; bench shows them). Checked to parse back to the same spec."""
    data = json.loads(spec.to_json())
    data.update({k: v for k, v in (counts or {}).items() if v is not None})
    text = json.dumps(data, sort_keys=True)
    if ModelSpec.from_json(text) != spec:
        raise EdgetrackError(f"model metadata does not round-trip: {data}")
    return text
