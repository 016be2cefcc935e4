"""The model contract: ModelSpec JSON, I/O checks, metadata read from ONNX and OpenVINO files."""

from __future__ import annotations

import json

import pytest
from runtime_models import pooled_score_model

from edgetrack.errors import EdgetrackError
from edgetrack.preprocess import IMAGENET_MEAN, IMAGENET_STD
from edgetrack.runtime.backends import OnnxRuntimeBackend, OpenVinoBackend, open_backend
from edgetrack.runtime.metadata import ModelSpec, resolve_contract

INPUTS = {"template": [1, 3, 128, 128], "search": [1, 3, 256, 256]}
OUTPUTS = [("output1", [1, 1, 16, 16]), ("output2", [1, 2, 16, 16]), ("output3", [1, 2, 16, 16])]


def test_spec_json_round_trip_and_defaults():
    spec = ModelSpec(
        128, 256, 16, size_rate=0.3, color="BGR", arch={"depth": 12}, precision="f32", source_sha256="ab"
    )
    again = ModelSpec.from_json(spec.to_json())
    assert again == spec
    data = json.loads(ModelSpec(128, 256, 16).to_json())
    assert data["template_factor"] == 2.0 and data["search_factor"] == 4.0 and data["scale"] == 255.0
    assert data["size_rate"] == 1.0  # OSTrack: the predicted size replaces the tracked one
    assert (
        data["color"] == "RGB" and tuple(data["mean"]) == IMAGENET_MEAN and tuple(data["std"]) == IMAGENET_STD
    )
    assert "arch" not in data  # unset optional fields are left out


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"template_size": 128, "search_size": 256}', "lacks feat_size"),
        ('{"template_size": 128, "search_size": 256, "feat_size": 16, "color": "HSV"}', "RGB or BGR"),
        ('{"template_size": 0, "search_size": 256, "feat_size": 16}', "template_size"),
        ('{"template_size": 128, "search_size": 256, "feat_size": 16, "std": [1, 0, 1]}', "std"),
        ('{"template_size": 128, "search_size": 256, "feat_size": 16, "mean": 0.5}', "mean"),
        ('{"template_size": 128, "search_size": 256, "feat_size": 16, "size_rate": 0}', "size_rate"),
        ('{"template_size": 128, "search_size": 256, "feat_size": 16, "min_score": 1}', "min_score"),
        ('{"template_size": 128, "search_size": 256, "feat_size": 16, "size_rate": true}', "size_rate"),
    ],
)
def test_bad_metadata_is_a_clear_error(text, message):
    with pytest.raises(EdgetrackError, match=message):
        ModelSpec.from_json(text)


def test_contract_without_metadata_takes_sizes_from_shapes_and_outputs_by_order():
    spec, io = resolve_contract(INPUTS, OUTPUTS, None)
    assert (spec.template_size, spec.search_size, spec.feat_size) == (128, 256, 16)
    assert (spec.template_factor, spec.search_factor, spec.color) == (2.0, 4.0, "RGB")
    assert (io.score, io.size, io.offset) == ("output1", "output2", "output3")


def test_contract_takes_outputs_by_name_when_named():
    outputs = [("offset", [1, 2, 16, 16]), ("score", [1, 1, 16, 16]), ("size", [1, 2, 16, 16])]
    _, io = resolve_contract(INPUTS, outputs, None)
    assert (io.score, io.size, io.offset) == ("score", "size", "offset")


@pytest.mark.parametrize(
    "inputs, outputs, message",
    [
        ({"image": [1, 3, 256, 256]}, OUTPUTS, "'template' and 'search'"),
        ({**INPUTS, "mask": [1, 64]}, OUTPUTS, "'template' and 'search'"),
        ({"template": [1, 3, 128, 64], "search": [1, 3, 256, 256]}, OUTPUTS, "template"),
        ({"template": [1, 3, 128, 128], "search": ["batch", 3, 256, 256]}, OUTPUTS, "fixed sizes"),
        (INPUTS, OUTPUTS[:2], "2 outputs"),
        (INPUTS, [OUTPUTS[1], OUTPUTS[0], OUTPUTS[2]], "score"),
        (INPUTS, [OUTPUTS[0], OUTPUTS[1], ("output3", [1, 2, 8, 8])], "different map sizes"),
    ],
)
def test_io_that_does_not_fit_the_contract_is_a_clear_error(inputs, outputs, message):
    with pytest.raises(EdgetrackError, match=message):
        resolve_contract(inputs, outputs, None)


def test_metadata_sizes_must_match_the_graph():
    meta = json.dumps({"template_size": 112, "search_size": 224, "feat_size": 14})
    with pytest.raises(EdgetrackError, match="metadata says"):
        resolve_contract(INPUTS, OUTPUTS, meta)


def test_both_backends_read_the_onnx_metadata(tmp_path):
    meta = {"template_size": 16, "search_size": 32, "feat_size": 4, "search_factor": 5.0, "color": "BGR"}
    path = pooled_score_model(tmp_path / "m.onnx", metadata=meta)
    for backend in (OnnxRuntimeBackend(path), OpenVinoBackend(path)):
        assert backend.spec == ModelSpec(16, 32, 4, search_factor=5.0, color="BGR"), backend.name


def test_openvino_reads_rt_info_of_an_ir(tmp_path):
    import openvino as ov

    spec = ModelSpec(16, 32, 4, template_factor=1.5, scale=1.0)
    model = ov.Core().read_model(str(pooled_score_model(tmp_path / "m.onnx")))
    model.set_rt_info(spec.to_json(), "edgetrack")
    ov.save_model(model, str(tmp_path / "m.xml"))
    assert open_backend(tmp_path / "m.xml").spec == spec


def test_backends_agree_and_precision_is_checked(tmp_path):
    import numpy as np

    path = pooled_score_model(tmp_path / "m.onnx")
    rng = np.random.default_rng(0)
    template = rng.standard_normal((1, 3, 16, 16), dtype=np.float32)
    search = rng.standard_normal((1, 3, 32, 32), dtype=np.float32)
    ours = OnnxRuntimeBackend(path).run(template, search)
    theirs = OpenVinoBackend(path, threads=1).run(template, search)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    with pytest.raises(EdgetrackError, match="openvino"):
        open_backend(path, backend="onnxruntime", precision="bf16")
    with pytest.raises(EdgetrackError, match="precision"):
        open_backend(path, precision="int4")
    assert open_backend(path, precision="f16").name == "openvino"  # auto goes where f16 runs


def test_missing_corrupt_and_misfit_models_are_clear_errors(tmp_path):
    with pytest.raises(EdgetrackError, match="does not exist"):
        open_backend(tmp_path / "none.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"not a protobuf")
    with pytest.raises(EdgetrackError, match="cannot load"):
        open_backend(tmp_path / "bad.onnx")
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(EdgetrackError, match="neither"):
        open_backend(tmp_path / "m.txt")
    misfit = pooled_score_model(tmp_path / "four.onnx", extra_output=True)
    with pytest.raises(EdgetrackError, match="4 outputs"):
        open_backend(misfit, backend="onnxruntime")
