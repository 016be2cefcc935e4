"""What a model file holds, read through OpenVINO (ONNX and IR alike, no torch): the `edgetrack`
metadata, whether it is int8, and counted parameters and MACs.

MACs follow edgetrack.models.complexity's rule: every MatMul (linear layers and the attention products) and
convolution at the graph's static shapes, nothing else. OpenVINO's reader infers every shape (ONNX
Gemm arrives as MatMul); a MatMul with a constant operand counts as a linear layer, one between two
activations (q @ k^T, attn @ v) as an attention product, and so do both products of a fused
ScaledDotProductAttention (what OpenVINO's converter makes of attention in an exported IR).
Parameters are the weight elements: float constants, and integer ones used only as floats (an int8 IR
keeps its weights as i8/u8 constants that a Convert and Multiply decompress; a QDQ ONNX its biases as
int32), without quantisation ranges, scales, zero points and NNCF's smoothing scales (a constant that
multiplies activations just before a FakeQuantize).
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


_RESHAPES = ("Reshape", "Unsqueeze", "Squeeze")


def _is_dequant_param(op) -> bool:
    """A constant that only scales / shifts / bounds quantised values: an FQ range, the zero point or
    the scale of a decompressed integer weight, or a smoothing scale applied to activations right
    before their FakeQuantize (looking through reshapes and Converts)."""
    for node, index, converted in _consumers(op.output(0)):
        kind = node.get_type_name()
        if kind == "FakeQuantize" and index > 0:
            continue
        if kind == "Subtract" and index == 1 and _is_decompressed(node.input_value(0)):
            continue
        if kind == "Multiply" and not converted:
            if _is_decompressed(node.input_value(1 - index)) or _feeds_only_fake_quantize(node):
                continue
        return False
    return True


def _consumers(output, converted: bool = False):
    """(node, input index, whether a Convert was crossed) of each use of `output`, through reshapes and
    Converts."""
    for target in output.get_target_inputs():
        node = target.get_node()
        kind = node.get_type_name()
        if kind == "Convert" or (kind in _RESHAPES and target.get_index() == 0):
            yield from _consumers(node.output(0), converted or kind == "Convert")
        else:
            yield node, target.get_index(), converted


def _is_decompressed(value) -> bool:
    """True for an integer constant made float: Convert(constant), less a zero point, maybe reshaped."""
    node = value.get_node()
    if node.get_type_name() == "Subtract":
        node = node.input_value(0).get_node()
    while node.get_type_name() in _RESHAPES:
        node = node.input_value(0).get_node()
    return node.get_type_name() == "Convert" and node.input_value(0).get_node().get_type_name() == "Constant"


def _feeds_only_fake_quantize(node) -> bool:
    """True when every consumer of `node` quantises it (FakeQuantize data input)."""
    targets = list(node.output(0).get_target_inputs())
    return bool(targets) and all(
        t.get_node().get_type_name() == "FakeQuantize" and t.get_index() == 0 for t in targets
    )


def _is_constant(node, memo: dict) -> bool:
    """True when a node's value depends on no graph input (a weight, possibly converted or dequantised)."""
    key = node.get_friendly_name()
    if key not in memo:
        kind = node.get_type_name()
        if kind in ("Constant", "Parameter"):
            memo[key] = kind == "Constant"
        else:
            memo[key] = all(
                _is_constant(node.input_value(i).get_node(), memo) for i in range(node.get_input_size())
            )
    return memo[key]


def macs_by_kind(ov_model) -> dict[str, int]:
    """MACs of an openvino.Model with static shapes: {"convolutions", "linear layers", "attention
    products"} (kinds that do not occur are 0)."""
    counts = {"convolutions": 0, "linear layers": 0, "attention products": 0}
    memo: dict = {}
    for op in ov_model.get_ops():
        kind = op.get_type_name()
        if kind == "MatMul":
            a = list(op.get_input_shape(0))
            k = a[-2] if op.get_attributes().get("transpose_a") else a[-1]
            weighted = any(_is_constant(op.input_value(i).get_node(), memo) for i in range(2))
            counts["linear layers" if weighted else "attention products"] += _numel(
                op.get_output_shape(0)
            ) * int(k)
        elif kind == "ScaledDotProductAttention":  # q (..., L, E), k (..., S, E), v (..., S, Ev)
            q, k, v = (list(op.get_input_shape(i)) for i in range(3))
            counts["attention products"] += _numel(q[:-1]) * int(k[-2]) * (int(q[-1]) + int(v[-1]))
        elif kind in ("Convolution", "GroupConvolution"):
            weights = list(op.get_input_shape(1))
            per_output = _numel(weights[2:]) if kind == "GroupConvolution" else _numel(weights[1:])
            counts["convolutions"] += _numel(op.get_output_shape(0)) * per_output
    return counts


def graph_counts(ov_model) -> tuple[int, int]:
    """(parameters, MACs) of an openvino.Model with static shapes."""
    return graph_params(ov_model), sum(macs_by_kind(ov_model).values())


def graph_params(ov_model) -> int:
    """Weight elements of an openvino.Model (see the module docstring)."""
    return sum(
        _numel(op.get_output_shape(0))
        for op in ov_model.get_ops()
        if op.get_type_name() == "Constant" and _is_weight(op)
    )


def _is_weight(op) -> bool:
    """A constant (not a scalar) of weights: floats, or integers used only as floats (an int8 weight or
    an int32 bias a Convert decompresses; not a shape or an axis), less the quantisation parameters."""
    if _numel(op.get_output_shape(0)) <= 1:
        return False
    if not op.get_output_element_type(0).is_real():
        if not all(converted for _, _, converted in _consumers(op.output(0))):
            return False
    return not _is_dequant_param(op)


def model_stats(path: Path | str) -> ModelStats:
    """Stats of an .onnx or .xml file; params/MACs from the metadata when the exporter stored them.
    A file OpenVINO cannot read (onnxruntime-only operators such as QGemm) gets no counts."""
    from edgetrack.runtime.openvino_files import read_openvino_model

    path = Path(path)
    size = path.stat().st_size + (path.with_suffix(".bin").stat().st_size if path.suffix == ".xml" else 0)
    try:
        model = read_openvino_model(path)
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
