"""Reading and writing ONNX model files: one self-contained file (no external-data sidecar) with metadata."""

from __future__ import annotations

from pathlib import Path

from edgetrack.deploy.spec import metadata_json
from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import METADATA_KEY, ModelSpec


def load_onnx(path: Path | str):
    """An onnx.ModelProto with its weights, or an EdgetrackError naming the file."""
    import onnx

    try:
        return onnx.load(str(path))
    except Exception as exc:  # protobuf's DecodeError and onnx's own errors share no narrower base
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EdgetrackError(f"cannot read ONNX model {path}: {first}") from exc


def set_metadata(model, spec: ModelSpec, carried: dict[str, str], counts: dict[str, int]) -> None:
    """Replace the model's metadata_props: carried entries, then the `edgetrack` JSON (spec + counts)."""
    import onnx

    props = dict(carried)
    props[METADATA_KEY] = metadata_json(spec, counts)
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, props)


def save_onnx(model, path: Path) -> None:
    """Write one self-contained .onnx file (weights inside; fails beyond protobuf's 2 GB)."""
    import onnx

    onnx.save_model(model, str(path), save_as_external_data=False)
