"""OpenVINO IR files (.xml + .bin) with the `edgetrack` metadata where OpenVINO puts ONNX metadata."""

from __future__ import annotations

from pathlib import Path

from edgetrack.deploy.spec import metadata_json
from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import METADATA_KEY, ModelSpec

# Reading an ONNX file, OpenVINO files metadata_props under rt_info "framework"; the runtime and
# `edgetrack info` read the same place in an IR.
RT_INFO_PATH = ["framework", METADATA_KEY]


def ov_model_from_onnx(onnx_path: Path):
    """An openvino.Model converted from an ONNX file."""
    import openvino as ov

    try:
        return ov.convert_model(str(onnx_path))
    except Exception as exc:  # OpenVINO raises several converter error types
        raise EdgetrackError(f"OpenVINO cannot convert {onnx_path}: {str(exc).splitlines()[0]}") from exc


def save_ir_files(
    model, xml_path: Path, spec: ModelSpec, counts: dict[str, int], compress_to_fp16: bool = False
) -> None:
    """Write model as xml_path and the .bin beside it, with spec as metadata (callers make it atomic:
    edgetrack.deploy.outputs.atomic_outputs)."""
    import openvino as ov

    model.set_rt_info(metadata_json(spec, counts), RT_INFO_PATH)
    ov.save_model(model, str(xml_path), compress_to_fp16=compress_to_fp16)
