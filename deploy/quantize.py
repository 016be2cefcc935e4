"""Post-training int8 quantisation on real crops: onnxruntime QDQ and NNCF for OpenVINO.

onnxruntime: static QDQ, int8 symmetric per-channel weights, uint8 activations, MinMax calibration.
Only Conv and MatMul/Gemm with constant weights are quantised (`MatMulConstBOnly`): the attention
products (q @ k^T, attn @ v), softmax, LayerNorm, GELU and the residual adds stay in float, and so do
the patch embedding's first conv and the whole convolutional head (the sensitive first/last layers;
keeping the head float was chosen on the validation split's closed-loop agreement, docs/bench.md).
OpenVINO: NNCF with the transformer model type (its own ignored patterns for attention and norms), the
mixed preset (asymmetric activations), and the same layers kept float.
Both take the calibration feeds ready made (`calibration_feeds`): a one-graph model's template and search
crops, or a template-cached track part's search crops with the init part's cache of their template.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from edgetrack.deploy.calibration import CropPair
from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import ModelIO


def calibration_feeds(pairs: list[CropPair], io: ModelIO, init_part=None) -> list[dict[str, np.ndarray]]:
    """The quantised graph's inputs for each crop pair: template and search, or with `init_part` (a
    Session of a template-cached model's fp32 init part) search and the cache the init part computes
    from the pair's template (once per distinct template)."""
    if init_part is None:
        return [{io.template: p.template, io.search: p.search} for p in pairs]
    names = [name for name, _ in init_part.outputs]
    caches: dict[int, dict[str, np.ndarray]] = {}
    feeds = []
    for pair in pairs:
        key = id(pair.template)
        if key not in caches:
            caches[key] = dict(zip(names, init_part.run({io.template: pair.template}, names), strict=True))
        feeds.append({io.search: pair.search, **caches[key]})
    return feeds


def _nearest_convs(start: str, neighbours, limit: int = 8) -> list[str]:
    """Names of the Conv nodes nearest to tensor `start`, walking `neighbours(tensor) -> [(node,
    next tensors)]` breadth-first for at most `limit` steps."""
    frontier = [start]
    for _ in range(limit):
        steps = [step for name in frontier for step in neighbours(name)]
        convs = [node.name for node, _ in steps if node.op_type == "Conv"]
        if convs:
            return convs
        frontier = [tensor for _, tensors in steps for tensor in tensors]
    return []


def sensitive_nodes(model, io: ModelIO) -> list[str]:
    """Names of the first Conv fed by each input (patch embeddings) and the last Conv before each output."""
    producer = {out: node for node in model.graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def downstream(name: str) -> list:
        return [(node, list(node.output)) for node in consumers.get(name, [])]

    def upstream(name: str) -> list:
        return [(producer[name], list(producer[name].input))] if name in producer else []

    found = [c for name in (io.template, io.search) for c in _nearest_convs(name, downstream)]
    found += [c for name in (io.score, io.size, io.offset) for c in _nearest_convs(name, upstream)]
    return sorted(set(found))


HEAD_OPS = {"Conv", "Relu", "BatchNormalization", "Sigmoid", "Clip"}


def head_convs(model, io: ModelIO) -> list[str]:
    """Names of the Conv nodes of the convolutional head: walking up from each output through
    convolutions, batch norms and activations only (a CENTER head's three branches)."""
    producer = {out: node for node in model.graph.node for out in node.output}
    found, frontier = set(), [io.score, io.size, io.offset]
    while frontier:
        node = producer.get(frontier.pop())
        if node is None or node.op_type not in HEAD_OPS or node.name in found:
            continue
        found.add(node.name)
        frontier += list(node.input)
    by_name = {node.name: node for node in model.graph.node}
    return sorted(name for name in found if by_name[name].op_type == "Conv")


def float_layers(model, io: ModelIO) -> list[str]:
    """The Conv nodes both int8 paths keep float: `sensitive_nodes` and the whole head (`head_convs`)."""
    return sorted(set(sensitive_nodes(model, io)) | set(head_convs(model, io)))


def quantize_onnx(fp32_path: Path, out_path: Path, feeds: list[dict[str, np.ndarray]], io: ModelIO) -> None:
    """Write an int8 QDQ copy of the fp32 ONNX at fp32_path to out_path (a plain path; caller commits),
    calibrated on `feeds` (calibration_feeds)."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self, feeds):
            self._feeds = iter(feeds)

        def get_next(self):
            return next(self._feeds, None)

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        excluded = float_layers(onnx.load(str(prepared)), io)
        quantize_static(
            str(prepared), str(out_path), Reader(feeds), quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["Conv", "MatMul", "Gemm"], per_channel=True, reduce_range=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=excluded,
            extra_options={"MatMulConstBOnly": True, "WeightSymmetric": True, "ActivationSymmetric": False},
        )  # fmt: skip


def quantize_openvino(ov_model, feeds: list[dict[str, np.ndarray]], keep_float: list[str] = ()):
    """An int8 openvino.Model from NNCF's post-training quantisation (transformer settings, mixed
    preset), calibrated on `feeds` (calibration_feeds). `keep_float`: ONNX node names (`float_layers`)
    whose OpenVINO operations (the node's name, or it and a suffix such as '/WithoutBiases') stay float."""
    import nncf
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, OverflowFix

    names = [op.get_friendly_name() for op in ov_model.get_ops()]
    kept = [name for name in names if _made_from(name, keep_float)]
    dataset = nncf.Dataset(feeds)
    try:
        return nncf.quantize(
            ov_model, dataset, model_type=nncf.ModelType.TRANSFORMER, subset_size=len(feeds),
            preset=nncf.QuantizationPreset.MIXED, ignored_scope=nncf.IgnoredScope(names=kept),
            advanced_parameters=AdvancedQuantizationParameters(overflow_fix=OverflowFix.ENABLE),
        )  # fmt: skip
    except RuntimeError as exc:
        raise EdgetrackError(f"NNCF quantisation failed: {str(exc).splitlines()[0]}") from exc


def _made_from(op_name: str, onnx_names) -> bool:
    """Whether an OpenVINO operation's name is one of the ONNX node names or derived from one."""
    return any(op_name == name or op_name.startswith(f"{name}/") for name in onnx_names)
