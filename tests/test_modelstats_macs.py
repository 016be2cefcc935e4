"""MACs counted on ONNX / OpenVINO graphs by shape inference, checked on a hand-built graph."""

from __future__ import annotations

import numpy as np
import pytest
from test_cli_info import run_info

from edgetrack.modelstats import graph_counts, macs_by_kind

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

# Conv 3->8, 4x4 stride 4 on 1x3x32x32: 8x8x8 outputs x (3*4*4) = 512 * 48
CONV = 8 * 8 * 8 * 3 * 4 * 4
# Gemm (transB) 1x512 @ (64x512)^T: 64 outputs x 512
GEMM = 64 * 512
# tokens (1,64,8) -> MatMul with an 8x24 weight: 64*24 outputs x 8
LINEAR = 64 * 24 * 8
# q @ k^T: (1,64,8) @ (1,8,64) -> 64*64 x 8; attn @ v: (1,64,64) @ (1,64,8) -> 64*8 x 64
ATTENTION = 64 * 64 * 8 + 64 * 8 * 64


def hand_built(path) -> None:
    """A graph with a convolution, a Gemm, a weight MatMul and two activation MatMuls (known MACs)."""
    rng = np.random.default_rng(0)

    def const(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

    shape_tokens = numpy_helper.from_array(np.array([1, 8, 64], np.int64), "shape_tokens")
    shape_flat = numpy_helper.from_array(np.array([1, 512], np.int64), "shape_flat")
    patches = dict(kernel_shape=[4, 4], strides=[4, 4])
    nodes = [
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["feat"], **patches),
        helper.make_node("Reshape", ["feat", "shape_flat"], ["flat"]),
        helper.make_node("Gemm", ["flat", "gemm_w", "gemm_b"], ["gemm"], transB=1),
        helper.make_node("Reshape", ["feat", "shape_tokens"], ["chw"]),
        helper.make_node("Transpose", ["chw"], ["tokens"], perm=[0, 2, 1]),  # (1, 64, 8)
        helper.make_node("MatMul", ["tokens", "lin_w"], ["qkv"]),  # (1, 64, 24)
        helper.make_node("Split", ["qkv"], ["q", "k", "v"], axis=2, num_outputs=3),
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["attn"], axis=-1),
        helper.make_node("MatMul", ["attn", "v"], ["mixed"]),
    ]
    graph = helper.make_graph(
        nodes,
        "hand_built",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 32, 32])],
        [
            helper.make_tensor_value_info("gemm", TensorProto.FLOAT, [1, 64]),
            helper.make_tensor_value_info("mixed", TensorProto.FLOAT, [1, 64, 8]),
        ],
        [const("conv_w", 8, 3, 4, 4), const("conv_b", 8), const("gemm_w", 64, 512), const("gemm_b", 64),
         const("lin_w", 8, 24), shape_tokens, shape_flat],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def test_hand_built_graph_has_its_known_mac_count(tmp_path):
    import openvino as ov

    path = tmp_path / "hand.onnx"
    hand_built(path)
    model = ov.Core().read_model(str(path))
    assert macs_by_kind(model) == {
        "convolutions": CONV,
        "linear layers": GEMM + LINEAR,
        "attention products": ATTENTION,
    }
    params, macs = graph_counts(model)
    assert macs == CONV + GEMM + LINEAR + ATTENTION
    assert params == 8 * 48 + 8 + 64 * 512 + 64 + 8 * 24  # the weights, not the reshape targets
    ov.save_model(model, str(tmp_path / "hand.xml"))  # the IR counts the same
    assert macs_by_kind(ov.Core().read_model(str(tmp_path / "hand.xml")))["attention products"] == ATTENTION


def test_info_prints_graph_macs_for_onnx_and_ir(tmp_path):
    import openvino as ov

    path = tmp_path / "hand.onnx"
    hand_built(path)
    ov.save_model(ov.Core().read_model(str(path)), str(tmp_path / "hand.xml"))
    total = CONV + GEMM + LINEAR + ATTENTION
    for model in (path, tmp_path / "hand.xml"):
        result = run_info(str(model), block=("torch",))
        assert result.returncode == 0, result.stderr
        assert f"({total:,})" in result.stdout
        assert f"({total - ATTENTION:,})" in result.stdout  # without the attention products


def int8_ir_like():
    """An openvino.Model shaped like NNCF's int8 IR of a linear layer: u8 activations through a smoothing
    scale and a FakeQuantize, an i8 weight decompressed by Convert, zero point and per-channel scale,
    then a float bias. Returns the model and its parameter count (weight + bias)."""
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(0)
    tokens = ops.parameter([1, 16, 32], np.float32, name="tokens")
    smooth = ops.multiply(tokens, ops.constant(rng.random((1, 1, 32)).astype(np.float32)))

    def scalar(value):
        return ops.constant(np.float32(value))

    quantised = ops.fake_quantize(smooth, scalar(0), scalar(4), scalar(0), scalar(4), 256)
    weight = ops.constant(rng.integers(-127, 127, (24, 32)).astype(np.int8))
    zero_point = ops.convert(ops.constant(np.zeros((24, 1), np.int8)), "f32")
    decompressed = ops.multiply(
        ops.subtract(ops.convert(weight, "f32"), zero_point),
        ops.constant(rng.random((24, 1)).astype(np.float32)),
    )
    bias = ops.constant(rng.standard_normal((1, 1, 24)).astype(np.float32))
    out = ops.add(ops.matmul(quantised, decompressed, False, True), bias)
    return ov.Model([out], [tokens], "int8_linear"), 24 * 32 + 24


def test_int8_weights_count_as_parameters_and_quantisation_constants_do_not(tmp_path):
    import openvino as ov

    from edgetrack.modelstats import graph_params

    model, params = int8_ir_like()
    assert graph_params(model) == params
    ov.save_model(model, str(tmp_path / "int8.xml"), compress_to_fp16=False)
    result = run_info(str(tmp_path / "int8.xml"), block=("torch",))
    assert result.returncode == 0, result.stderr
    assert f"({params:,})" in result.stdout


def test_fused_attention_counts_both_products():
    import openvino as ov
    import openvino.opset13 as ops

    q, k, v = (ops.parameter([1, 2, 10, 8], np.float32, name=n) for n in "qkv")
    attention = ops.scaled_dot_product_attention(q, k, v, causal=False)
    model = ov.Model([attention], [q, k, v], "sdpa")
    # q @ k^T: 2 heads x 10x10 outputs x 8; attn @ v: 2 heads x 10x8 outputs x 10
    assert macs_by_kind(model)["attention products"] == 2 * 10 * 10 * 8 + 2 * 10 * 8 * 10


def test_info_prints_shapes_one_way_for_onnx_and_ir(tmp_path):
    import openvino as ov

    path = tmp_path / "hand.onnx"
    hand_built(path)
    ov.save_model(ov.Core().read_model(str(path)), str(tmp_path / "hand.xml"), compress_to_fp16=False)
    printed = {}
    for model in (path, tmp_path / "hand.xml"):
        result = run_info(str(model), block=("torch",))
        assert result.returncode == 0, result.stderr
        lines = [line for line in result.stdout.splitlines() if " input " in line or " output " in line]
        printed[model.suffix] = [" ".join(line.replace("│", " ").split()) for line in lines]
    assert printed[".onnx"] == printed[".xml"]
    assert "input image 1x3x32x32" in printed[".onnx"] and "output gemm 1x64" in printed[".onnx"]
