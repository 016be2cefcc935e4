"""What a model file holds, read through OpenVINO (ONNX and IR alike, no torch): the `edgetrack`
metadata, whether it is int8, and counted parameters and MACs.

MACs follow models.complexity's rule: every MatMul (linear layers and the attention products) and
convolution at the graph's static shapes, nothing else. Parameters are the weight elements: constants
of float or 8-bit type, without quantisation ranges, scales and zero points.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import METADATA_KEY

QUANT_TYPES = ("FakeQuantize", "QuantizeLinear", "DequantizeLinear")


@dataclass(frozen=True)
class ModelStats:
    """Counted parameters and MACs, the file precision (fp32, fp16, int8) and the size on disk."""

    params: int | None
    macs: int | None
    precision: str
    size_mb: float
    metadata: dict | None


def read_metadata(ov_model) -> dict | None:
    """The `edgetrack` JSON object of an openvino.Model (IR rt_info or ONNX metadata_props), or None."""
    for key in (["framework", METADATA_KEY], [METADATA_KEY]):
        if ov_model.has_rt_info(key):
            try:
                data = json.loads(str(ov_model.get_rt_info(key).astype(str)))
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def _numel(shape) -> int:
    return math.prod(int(d) for d in shape)


def _is_dequant_param(op) -> bool:
    """A constant that only scales / shifts / bounds quantised values (scale, zero point, FQ range)."""
    for target in op.output(0).get_target_inputs():
        node = target.get_node()
        kind = node.get_type_name()
        if kind == "FakeQuantize" and target.get_index() > 0:
            continue
        if kind in ("Multiply", "Subtract") and any(
            node.input_value(i).get_node().get_type_name() == "Convert" for i in range(2)
        ):
            continue
        return False
    return True


def graph_counts(ov_model) -> tuple[int, int]:
    """(parameters, MACs) of an openvino.Model with static shapes."""
    params = macs = 0
    for op in ov_model.get_ops():
        kind = op.get_type_name()
        if kind == "Constant":
            etype = op.get_output_element_type(0)
            small = etype.get_type_name() in ("i8", "u8", "i4", "u4")
            size = _numel(op.get_output_shape(0))
            if (etype.is_real() or small) and size > 1 and not _is_dequant_param(op):
                params += size
        elif kind == "MatMul":
            a = list(op.get_input_shape(0))
            k = a[-2] if op.get_attributes().get("transpose_a") else a[-1]
            macs += _numel(op.get_output_shape(0)) * int(k)
        elif kind in ("Convolution", "GroupConvolution"):
            weights = list(op.get_input_shape(1))
            per_output = _numel(weights[2:]) if kind == "GroupConvolution" else _numel(weights[1:])
            macs += _numel(op.get_output_shape(0)) * per_output
    return params, macs


def model_stats(path: Path | str) -> ModelStats:
    """Stats of an .onnx or .xml file; params/MACs from the metadata when the exporter stored them.
    A file OpenVINO cannot read (onnxruntime-only operators such as QGemm) gets no counts."""
    import openvino as ov

    path = Path(path)
    size = path.stat().st_size + (path.with_suffix(".bin").stat().st_size if path.suffix == ".xml" else 0)
    try:
        model = ov.Core().read_model(str(path))
    except RuntimeError:
        meta = _onnxruntime_metadata(path)
        return ModelStats(None, None, (meta or {}).get("precision") or "fp32", size / 1e6, meta)
    meta = read_metadata(model)
    ops = {op.get_type_name() for op in model.get_ops()}
    precision = (meta or {}).get("precision") or ("int8" if ops & set(QUANT_TYPES) else "fp32")
    if meta and isinstance(meta.get("params"), int) and isinstance(meta.get("macs"), int):
        params, macs = meta["params"], meta["macs"]
    else:
        params, macs = graph_counts(model)
    return ModelStats(params, macs, precision, size / 1e6, meta)


def _onnxruntime_metadata(path: Path) -> dict | None:
    """The `edgetrack` JSON object of an ONNX file read with onnxruntime, or None."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Exception subclasses for bad files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EdgetrackError(f"cannot read model {path} (truncated or not a model?): {reason}") from None
    try:
        data = json.loads(session.get_modelmeta().custom_metadata_map.get(METADATA_KEY, "null"))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
