"""Template caching: asymmetric attention in torch, the two-part export and the cached runtime."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from deploy_helpers import SMALL_ARCH, small_checkpoint, synthetic_sequence  # noqa: E402

from edgetrack.deploy.export import ExportRequest, run_export  # noqa: E402
from edgetrack.errors import EdgetrackError  # noqa: E402
from edgetrack.models.config import TrackerConfig  # noqa: E402
from edgetrack.models.ostrack import TrackerMaps, build_tracker  # noqa: E402
from edgetrack.models.template_cache import CachedSearchTracker, TemplateEncoder  # noqa: E402
from edgetrack.runtime.backends import SESSIONS, TemplateCachedBackend, open_backend  # noqa: E402
from edgetrack.runtime.tracker import Tracker  # noqa: E402

CACHED_ARCH = {**SMALL_ARCH, "asymmetric_attention": True, "depth": 3, "ce_loc": [1, 2]}


@pytest.mark.parametrize(
    "ce", [{"ce_loc": []}, {"ce_loc": [1, 2]}, {"ce_loc": [1], "ce_template_range": "ALL"}]
)
def test_template_tokens_ignore_the_search_and_the_split_network_is_the_joint_one(ce, single_torch_thread):
    torch.manual_seed(0)
    model = build_tracker(TrackerConfig.from_dict({**CACHED_ARCH, **ce})).eval()
    template, search = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 64, 64)
    lens_z = model.backbone.lens_z
    with torch.no_grad():
        tokens_a, _ = model.backbone(template, search, model.default_ce_mask(1))
        tokens_b, _ = model.backbone(template, torch.randn(1, 3, 64, 64), model.default_ce_mask(1))
        assert torch.equal(tokens_a[:, :lens_z], tokens_b[:, :lens_z])  # the template never sees the search
        joint = TrackerMaps(model)(template, search)
        cache = TemplateEncoder(model)(template)
        split = CachedSearchTracker(model)(search, *(cache if isinstance(cache, tuple) else (cache,)))
    for a, b in zip(joint, split, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    if ce.get("ce_loc"):  # candidate elimination really eliminates: a token less changes the maps
        assert model.config.search_token_counts()[-1] < model.config.feat_size**2


def test_the_option_changes_attention_not_weights(single_torch_thread):
    torch.manual_seed(0)
    plain = build_tracker(TrackerConfig.from_dict(SMALL_ARCH)).eval()
    torch.manual_seed(0)
    asym = build_tracker(TrackerConfig.from_dict({**SMALL_ARCH, "asymmetric_attention": True})).eval()
    template, search = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        a, b = TrackerMaps(plain)(template, search), TrackerMaps(asym)(template, search)
    assert not torch.equal(a[0], b[0])  # same weights; the option changes what the template attends to
    with pytest.raises(EdgetrackError, match="asymmetric_attention"):
        TemplateEncoder(plain)


@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("openvino", ".xml")])
def test_two_part_export_matches_torch_and_runs_init_once(tmp_path, fmt, suffix, single_torch_thread):
    checkpoint, arch = small_checkpoint(tmp_path, arch=CACHED_ARCH)
    seq = synthetic_sequence(tmp_path / "seq", frames=6)
    out = tmp_path / f"student{suffix}"
    real = seq if fmt == "onnx" else None  # the IR: parity on random crops (quicker)
    report = run_export(ExportRequest(checkpoint, fmt, out=out, verify_source=real, threads=1))
    init_file = tmp_path / f"student.init{suffix}"
    assert init_file in report.outputs and out in report.outputs
    assert max(d.max_abs for d in report.diffs) < 1e-4  # parity with torch
    backend = open_backend(out, "onnxruntime" if fmt == "onnx" else "openvino", threads=1)
    assert isinstance(backend, TemplateCachedBackend)
    assert backend.spec.template_cache == {"init": init_file.name}
    assert backend.cache_names == ["template_kv", "template_q"]
    if fmt == "onnx":
        _same_boxes_as_one_graph(tmp_path, checkpoint, seq, backend)


def _same_boxes_as_one_graph(tmp_path, checkpoint, seq, backend):
    """The one-graph export of the same checkpoint tracks to the same boxes; the init part runs once
    per init; both ONNX parts also run on OpenVINO (compiling renames some outputs)."""
    single = tmp_path / "single.onnx"
    run_export(ExportRequest(checkpoint, "onnx", out=single, verify=False, template_cache=False))
    one_graph = open_backend(single, "onnxruntime", threads=1)
    assert not isinstance(one_graph, TemplateCachedBackend)
    calls = []
    init_run = backend.init.run
    backend.init.run = lambda *a: calls.append(1) or init_run(*a)
    boxes = []
    for b in (backend, one_graph):
        tracker = Tracker(b)
        frames = _frames(seq)
        tracker.init(frames[0], (30, 36, 20, 20))
        boxes.append([tracker.track(f).box for f in frames[1:]])
    assert len(calls) == 1  # the init part ran once, at init
    np.testing.assert_allclose(boxes[0], boxes[1], atol=1e-3)
    pair = [np.random.default_rng(0).standard_normal((1, 3, n, n)).astype(np.float32) for n in (32, 64)]
    on_ov = [m.copy() for m in open_backend(backend.path, "openvino", threads=1).run(*pair)]
    for a, b in zip(on_ov, backend.run(*pair), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("openvino", ".xml")])
def test_two_part_int8_quantises_the_track_part_on_the_cache(tmp_path, fmt, suffix, single_torch_thread):
    import openvino as ov

    checkpoint, _ = small_checkpoint(tmp_path, arch=CACHED_ARCH)
    seq = synthetic_sequence(tmp_path / "seq", frames=6)
    out = tmp_path / f"q{suffix}"
    report = run_export(ExportRequest(checkpoint, fmt, "int8", out, calib=seq, calib_frames=5, threads=1))
    diffs = {d.name: d for d in report.diffs}
    assert diffs["score"].max_abs > 1e-4  # really quantised, not an fp32 copy
    assert diffs["score"].mean_abs < 0.06 and diffs["offset"].mean_abs < 0.5  # the bounds of one-graph int8
    init_file = tmp_path / f"q.init{suffix}"
    ops = {kind: {op.get_type_name() for op in ov.Core().read_model(str(path)).get_ops()}
           for kind, path in (("track", out), ("init", init_file))}  # fmt: skip
    assert "FakeQuantize" in ops["track"] and "FakeQuantize" not in ops["init"]  # the init part stays fp32
    backend = open_backend(out, "onnxruntime" if fmt == "onnx" else "openvino", threads=1)
    assert isinstance(backend, TemplateCachedBackend) and backend.spec.precision == "int8"
    init_meta = json.loads(SESSIONS["onnxruntime" if fmt == "onnx" else "openvino"](init_file, 1).metadata)
    assert init_meta["precision"] == "fp32"


def test_a_two_part_onnx_converts_to_ir_and_int8_against_itself(tmp_path, single_torch_thread):
    checkpoint, _ = small_checkpoint(tmp_path, arch=CACHED_ARCH)
    seq = synthetic_sequence(tmp_path / "seq", frames=6)
    source = tmp_path / "cached.onnx"
    run_export(ExportRequest(checkpoint, "onnx", out=source, verify=False))
    ir = tmp_path / "cached.xml"
    report = run_export(ExportRequest(source, "openvino", out=ir, verify_source=seq, threads=1))
    assert report.reference.startswith("fp32 ONNX cached.onnx")
    assert max(d.max_abs for d in report.diffs) < 1e-4  # the IR's two parts compute the ONNX's maps
    assert all(a.tracking > 0.999 for a in report.agreement.values())
    backend = open_backend(ir, "openvino", threads=1)
    assert isinstance(backend, TemplateCachedBackend)
    assert backend.spec.template_cache == {"init": "cached.init.xml"}
    quantised = tmp_path / "q.onnx"
    request = ExportRequest(source, "onnx", "int8", quantised, calib=seq, calib_frames=5, threads=1)
    report = run_export(request)
    assert {p.name for p in report.outputs} == {"q.onnx", "q.init.onnx"}
    assert {d.name: d for d in report.diffs}["score"].max_abs > 1e-4  # quantised, not an fp32 copy
    assert open_backend(quantised, "onnxruntime", threads=1).spec.precision == "int8"
    (tmp_path / "cached.init.onnx").unlink()
    with pytest.raises(EdgetrackError, match="its init part .* is missing"):
        run_export(ExportRequest(source, "openvino", out=tmp_path / "orphan.xml", verify=False))
    assert not list(tmp_path.glob("orphan*"))


def test_missing_init_part_is_a_clear_error(tmp_path, single_torch_thread):
    checkpoint, _ = small_checkpoint(tmp_path, arch=CACHED_ARCH)
    out = tmp_path / "student.onnx"
    run_export(ExportRequest(checkpoint, "onnx", out=out, verify=False))
    (tmp_path / "student.init.onnx").unlink()
    with pytest.raises(EdgetrackError, match="init part .* is missing"):
        open_backend(out, "onnxruntime")


def _frames(seq):
    import cv2

    return [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted(seq.glob("*.png"))]


def test_live_page_reinitialises_a_template_cached_model_on_a_prefetched_file(tmp_path, single_torch_thread):
    """`track --serve` with the two-part model on a file read ahead (--prefetch): an operator's box starts
    it, a second box re-encodes the template mid-run, the stop button ends it with every line kept."""
    pytest.importorskip("aiohttp", reason="--serve needs the optional extra 'serve' (aiohttp)")
    from serve_helpers import CLIP_BOX, box_records, request, start_track, write_clip

    checkpoint, _ = small_checkpoint(tmp_path, arch=CACHED_ARCH)
    model = tmp_path / "student.onnx"
    run_export(ExportRequest(checkpoint, "onnx", out=model, verify=False))
    clip, txt = write_clip(tmp_path / "clip.mp4"), tmp_path / "boxes.txt"
    args = [clip, "-m", model, "--serve", "127.0.0.1:0", "--prefetch", "3", "--save-txt", txt]
    process, url = start_track([*args, "--backend", "onnxruntime", "--threads", "1"])
    try:
        assert box_records(url, lambda records: len(records) >= 2)[-1]["state"] == "waiting"
        starts = []
        for box in (CLIP_BOX, (50, 30, 30, 30)):
            assert request(url, "POST", "box", body={"box": list(box)})[0] == 200
            records = box_records(url, _tracked_five_frames_after_an_init)
            start = next(r for r in records if r["init"])
            assert start["box"] == list(map(float, box)) and records[-1]["state"] == "tracking"
            starts.append(start["frame"])
        assert request(url, "POST", "stop", body={})[0] == 200
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    err = process.stderr.read()
    assert "stopped: stop button" in err and "Traceback" not in err and "sustained" in process.stdout.read()
    lines = [[float(v) for v in line.split(",")] for line in txt.read_text().splitlines()]
    assert lines[0] == [*CLIP_BOX, 1.0]  # the lines start at the operator's first box
    assert lines[starts[1] - starts[0]] == [50, 30, 30, 30, 1.0]  # and restart at the second


def _tracked_five_frames_after_an_init(records: list[dict]) -> bool:
    inits = [r["frame"] for r in records if r["init"]]
    return bool(inits) and records[-1]["frame"] > inits[0] + 5
