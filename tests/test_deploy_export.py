"""Export of a small random tracker in every format and precision, checked against torch on real-like
crops; metadata round trip through the runtime; ONNX input; atomic outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from deploy_helpers import small_checkpoint, synthetic_sequence

pytest.importorskip("torch")
pytest.importorskip("onnx")

from edgetrack.deploy.export import ExportRequest, run_export  # noqa: E402
from edgetrack.deploy.spec import file_sha256, spec_for_config  # noqa: E402
from edgetrack.models.config import TrackerConfig  # noqa: E402
from edgetrack.runtime.backends import OnnxRuntimeBackend, OpenVinoBackend  # noqa: E402


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    checkpoint, arch = small_checkpoint(folder)
    return checkpoint, arch, synthetic_sequence(folder / "seq")


def _export(small, tmp_path, fmt, precision, name):
    checkpoint, arch, seq = small
    out = tmp_path / name
    request = ExportRequest(checkpoint, fmt, precision, out, arch, calib=seq, calib_frames=8, threads=1)
    return run_export(request), out


def _diffs(report) -> dict:
    return {d.name: d for d in report.diffs}


@pytest.mark.parametrize("fmt, name", [("onnx", "m.onnx"), ("openvino", "m.xml")])
def test_fp32_matches_torch_and_metadata_round_trips(small, tmp_path, single_torch_thread, fmt, name):
    report, out = _export(small, tmp_path, fmt, "fp32", name)
    assert max(d.max_abs for d in report.diffs) <= 1e-4
    assert report.real_crops and report.agreement
    assert all(a.tracking > 0.999 and a.same_crops > 0.999 for a in report.agreement.values())
    expected = {"onnx": {"m.onnx"}, "openvino": {"m.xml", "m.bin"}}[fmt]
    assert {p.name for p in tmp_path.iterdir()} == expected  # no sidecar, no temporaries
    backend = (OnnxRuntimeBackend if fmt == "onnx" else OpenVinoBackend)(out, threads=1)
    checkpoint, arch, _ = small
    assert backend.spec == spec_for_config(TrackerConfig.load(arch), file_sha256(checkpoint), "fp32")
    assert backend.spec.arch["ce_loc"] == [1] and backend.io.score == "score"
    assert (backend.spec.size_rate, backend.spec.min_score) == (0.5, 0.1)  # tracking settings travel along


def test_onnx_is_one_file_with_contract_names(small, tmp_path, single_torch_thread):
    import onnx

    _, out = _export(small, tmp_path, "onnx", "fp32", "m.onnx")
    assert out.stat().st_size > 100_000  # the weights are inside
    model = onnx.load(str(out), load_external_data=False)
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    assert [i.name for i in model.graph.input] == ["template", "search"]
    assert [o.name for o in model.graph.output] == ["score", "size", "offset"]
    assert [d.dim_value for d in model.graph.input[1].type.tensor_type.shape.dim] == [1, 3, 64, 64]
    # onnxruntime int8 keeps these float: both patch embeddings and each map's last conv
    from edgetrack.deploy.quantize import sensitive_nodes
    from edgetrack.deploy.spec import read_onnx_contract

    kept = sensitive_nodes(model, read_onnx_contract(model)[1])
    assert kept == sorted(
        ["/model/backbone/patch_embed/proj/Conv", "/model/backbone/patch_embed/proj_1/Conv"]
        + [f"/model/box_head/conv5_{b}/Conv" for b in ("ctr", "offset", "size")]
    )
    meta = json.loads({p.key: p.value for p in model.metadata_props}["edgetrack"])
    assert meta["precision"] == "fp32"
    # MACs stored from edgetrack.models.complexity; the graph count (no torch) finds the same MatMuls
    # and Convs
    import openvino as ov

    from edgetrack.models.complexity import count_complexity
    from edgetrack.models.ostrack import build_tracker
    from edgetrack.modelstats import graph_counts

    counted = count_complexity(build_tracker(TrackerConfig.load(small[1])))
    assert (meta["params"], meta["macs"]) == (counted.params, counted.macs)
    params, macs = graph_counts(ov.Core().read_model(str(out)))
    assert macs == counted.macs and 0.9 * counted.params < params <= counted.params


def test_fp16_ir_drift_is_small(small, tmp_path, single_torch_thread):
    # fp16 weights round to 2^-11 relative; over a few layers the sigmoid maps move by well under 1e-2
    report, out = _export(small, tmp_path, "openvino", "fp16", "m.xml")
    diffs = _diffs(report)
    assert 0 < diffs["score"].max_abs < 1e-2 and diffs["size"].mean_abs < 5e-3
    assert OpenVinoBackend(out, threads=1).spec.precision == "fp16"
    assert all(a.tracking > 0.95 and a.same_crops > 0.95 for a in report.agreement.values())


def fed_by_fake_quantize(op) -> bool:
    """Whether an OpenVINO operation's first input comes from a FakeQuantize (an int8 activation)."""
    return op.input_value(0).get_node().get_type_name() == "FakeQuantize"


@pytest.mark.parametrize("fmt, name", [("onnx", "q.onnx"), ("openvino", "q.xml")])
def test_int8_is_quantised_and_drifts_within_bounds(small, tmp_path, single_torch_thread, fmt, name):
    # 8-bit activations carry ~1/256 of each tensor's range; over this net's ~10 quantised layers the
    # score/size probabilities move by a few hundredths on average; offsets are in cells (< half a cell)
    report, out = _export(small, tmp_path, fmt, "int8", name)
    diffs = _diffs(report)
    assert diffs["score"].max_abs > 1e-3  # really quantised, not an fp32 copy
    assert diffs["score"].mean_abs < 0.06 and diffs["size"].mean_abs < 0.03 and diffs["offset"].mean_abs < 0.5
    import openvino as ov

    ops = {op.get_type_name() for op in ov.Core().read_model(str(out)).get_ops()}
    assert "FakeQuantize" in ops
    backend = (OnnxRuntimeBackend if fmt == "onnx" else OpenVinoBackend)(out, threads=1)
    assert backend.spec.precision == "int8"
    # both keep the patch embeddings and the whole CENTER head float
    import onnx

    from edgetrack.deploy.quantize import float_layers, head_convs, sensitive_nodes
    from edgetrack.deploy.spec import read_onnx_contract

    fp32 = onnx.load(str(_export(small, tmp_path, "onnx", "fp32", "m.onnx")[1]))
    io = read_onnx_contract(fp32)[1]
    kept = float_layers(fp32, io)
    assert len(head_convs(fp32, io)) == 15  # five convolutions in each of the three branches
    assert set(sensitive_nodes(fp32, io)) < set(kept)
    if fmt == "onnx":
        quantised = onnx.load(str(out))
        producer = {o: node.op_type for node in quantised.graph.node for o in node.output}
        convs = {
            node.name: producer.get(node.input[0]) for node in quantised.graph.node if node.op_type == "Conv"
        }
        assert set(kept) <= set(convs) and not any(convs[name] == "DequantizeLinear" for name in kept)
        assert "DequantizeLinear" in convs.values() or any(
            producer.get(node.input[0]) == "DequantizeLinear"
            for node in quantised.graph.node
            if node.op_type == "MatMul"
        )
    else:
        quantised = ov.Core().read_model(str(out)).get_ops()
        convs = {
            op.get_friendly_name().removesuffix("/WithoutBiases"): fed_by_fake_quantize(op)
            for op in quantised
            if op.get_type_name() == "Convolution"
        }
        assert set(kept) <= set(convs) and not any(convs[name] for name in kept)
        matmuls = [op for op in quantised if op.get_type_name() == "MatMul"]
        assert any(fed_by_fake_quantize(op) for op in matmuls)  # the blocks are int8


def test_onnx_input_is_quantised_against_fp32_onnx_keeping_its_metadata(small, tmp_path, single_torch_thread):
    import onnx

    _, fp32 = _export(small, tmp_path, "onnx", "fp32", "m.onnx")
    foreign = onnx.load(str(fp32))
    del foreign.metadata_props[:]
    onnx.helper.set_model_props(foreign, {"author": "someone"})
    source = tmp_path / "foreign.onnx"
    onnx.save(foreign, str(source))
    out = tmp_path / "foreign_int8.onnx"
    report = run_export(ExportRequest(source, "onnx", "int8", out, calib=small[2], calib_frames=8, threads=1))
    assert report.reference.startswith("fp32 ONNX")
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["author"] == "someone"
    spec = OnnxRuntimeBackend(out, threads=1).spec
    assert (spec.template_size, spec.search_size, spec.feat_size) == (32, 64, 4)
    assert spec.precision == "int8" and spec.source_sha256 == file_sha256(source)


def test_failed_check_leaves_nothing(small, tmp_path, monkeypatch, single_torch_thread):
    import edgetrack.deploy.export as export_module

    def broken_compare(reference, candidate, pairs):
        raise RuntimeError("check crashed")

    monkeypatch.setattr(export_module, "compare_outputs", broken_compare)
    with pytest.raises(RuntimeError):
        _export(small, tmp_path, "onnx", "int8", "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_crops_follow_the_spec_normalisation(small):
    from edgetrack.datasets.discover import find_sequences
    from edgetrack.deploy.calibration import crop_pairs
    from edgetrack.runtime.metadata import ModelSpec

    sequences = find_sequences(small[2])
    rgb = crop_pairs(sequences, ModelSpec(32, 64, 4), 3)
    bgr = crop_pairs(sequences, ModelSpec(32, 64, 4, color="BGR"), 3)
    assert len(rgb) == 3 and rgb[0].search.shape == (1, 3, 64, 64)
    assert rgb[0].template.dtype == np.float32 and abs(float(rgb[0].search.mean())) < 3
    assert not np.allclose(rgb[1].search, bgr[1].search)  # colour order from the spec
