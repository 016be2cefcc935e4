"""Post-training int8 quantisation on real crops: onnxruntime QDQ and NNCF for OpenVINO.

onnxruntime: static QDQ, int8 symmetric per-channel weights, uint8 activations, MinMax calibration.
Only Conv and MatMul/Gemm with constant weights are quantised (`MatMulConstBOnly`): the attention
products (q @ k^T, attn @ v), softmax, LayerNorm, GELU and the residual adds stay in float, and so do
the patch embedding and each output map's final conv (the sensitive first/last layers).
OpenVINO: NNCF with the transformer model type (its own ignored patterns for attention and norms).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from deploy.calibration import CropPair
from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import ModelIO


def _feeds(pairs: list[CropPair], io: ModelIO) -> list[dict[str, np.ndarray]]:
    return [{io.template: p.template, io.search: p.search} for p in pairs]


def sensitive_nodes(model, io: ModelIO) -> list[str]:
    """Names of the first Conv fed by each input (patch embeddings) and the last Conv before each output."""
    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    found: list[str] = []

    def walk(start: str, step, limit: int = 8) -> None:
        frontier = [start]
        for _ in range(limit):
            nodes = [n for name in frontier for n in step(name)]
            convs = [n for n in nodes if n.op_type == "Conv"]
            if convs:
                found.extend(n.name for n in convs)
                return
            frontier = [x for n in nodes for x in (n.output if step is next_nodes else n.input)]

    def next_nodes(name: str) -> list:
        return consumers.get(name, [])

    def prev_nodes(name: str) -> list:
        return [producer[name]] if name in producer else []

    for name in (io.template, io.search):
        walk(name, next_nodes)
    for name in (io.score, io.size, io.offset):
        walk(name, prev_nodes)
    return sorted(set(found))


def quantize_onnx(fp32_path: Path, out_path: Path, pairs: list[CropPair], io: ModelIO) -> None:
    """Write an int8 QDQ copy of the fp32 ONNX at fp32_path to out_path (a plain path; caller commits)."""
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
        excluded = sensitive_nodes(onnx.load(str(prepared)), io)
        quantize_static(
            str(prepared), str(out_path), Reader(_feeds(pairs, io)), quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["Conv", "MatMul", "Gemm"], per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=excluded,
            extra_options={"MatMulConstBOnly": True, "WeightSymmetric": True, "ActivationSymmetric": False},
        )  # fmt: skip


def quantize_openvino(ov_model, pairs: list[CropPair], io: ModelIO):
    """An int8 openvino.Model from NNCF's post-training quantisation (transformer settings)."""
    import nncf

    dataset = nncf.Dataset(_feeds(pairs, io))
    try:
        return nncf.quantize(ov_model, dataset, model_type=nncf.ModelType.TRANSFORMER, subset_size=len(pairs))
    except RuntimeError as exc:
        raise EdgetrackError(f"NNCF quantisation failed: {str(exc).splitlines()[0]}") from exc
