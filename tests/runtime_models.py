"""Tiny ONNX tracker models built in the tests, whose outputs are known by hand.

`pooled_score_model`: template 1x3xTxT, search 1x3xSxS. score = mean of the search's first channel
over each (S/N)x(S/N) cell (so the peak is the brightest cell), size = `size` everywhere,
offset = 0.5 everywhere (so a cell decodes to its centre). The template enters with weight 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


def pooled_score_model(
    path: Path,
    template: int = 16,
    search: int = 32,
    feat: int = 4,
    size: float = 0.25,
    metadata: dict | None = None,
    output_names=("score", "size", "offset"),
    extra_output: bool = False,
) -> Path:
    onnx = pytest.importorskip("onnx", reason="building test models needs the onnx package")
    from onnx import TensorProto, helper, numpy_helper

    cell = search // feat
    consts = {
        "starts": np.array([0], np.int64),
        "ends": np.array([1], np.int64),
        "axes": np.array([1], np.int64),
        "zero": np.array(0.0, np.float32),
        "size_map": np.full((1, 2, feat, feat), size, np.float32),
        "offset_map": np.full((1, 2, feat, feat), 0.5, np.float32),
    }
    score_name, size_name, offset_name = output_names
    nodes = [
        helper.make_node("Slice", ["search", "starts", "ends", "axes"], ["ch0"]),
        helper.make_node("AveragePool", ["ch0"], ["pooled"], kernel_shape=[cell, cell], strides=[cell, cell]),
        helper.make_node("ReduceMean", ["template"], ["t_mean"], keepdims=1),
        helper.make_node("Mul", ["t_mean", "zero"], ["t_zero"]),
        helper.make_node("Add", ["pooled", "t_zero"], [score_name]),
        helper.make_node("Add", ["size_map", "t_zero"], [size_name]),
        helper.make_node("Add", ["offset_map", "t_zero"], [offset_name]),
    ]
    outputs = [
        helper.make_tensor_value_info(score_name, TensorProto.FLOAT, [1, 1, feat, feat]),
        helper.make_tensor_value_info(size_name, TensorProto.FLOAT, [1, 2, feat, feat]),
        helper.make_tensor_value_info(offset_name, TensorProto.FLOAT, [1, 2, feat, feat]),
    ]
    if extra_output:
        nodes.append(helper.make_node("Identity", ["pooled"], ["extra"]))
        outputs.append(helper.make_tensor_value_info("extra", TensorProto.FLOAT, [1, 1, feat, feat]))
    graph = helper.make_graph(
        nodes,
        "pooled_score",
        [
            helper.make_tensor_value_info("template", TensorProto.FLOAT, [1, 3, template, template]),
            helper.make_tensor_value_info("search", TensorProto.FLOAT, [1, 3, search, search]),
        ],
        outputs,
        initializer=[numpy_helper.from_array(v, k) for k, v in consts.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    if metadata is not None:
        helper.set_model_props(model, {"edgetrack": json.dumps(metadata)})
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
