"""Parity with the official OSTrack code on its own checkpoint (../shared/fixtures/ostrack)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import need_shared

from edgetrack.datasets.folder import load_sequence_folder
from edgetrack.datasets.sequence import load_boxes, read_rgb
from edgetrack.models.ce import template_center_mask
from edgetrack.models.checkpoint import load_checkpoint
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.models.torch_tracker import TorchTracker

pytestmark = pytest.mark.usefixtures("single_torch_thread")

CROSSING_PREFIX = 40  # frames tracked in the test; benchmarks/verify_ostrack_fixture.py runs all 120


@pytest.fixture(scope="module")
def fixture_model():
    cfg = TrackerConfig.load(need_shared("ostrack/ostrack_tiny_ce.json"))
    model = build_tracker(cfg).eval()
    report = load_checkpoint(model, need_shared("ostrack/ostrack_tiny_ce.pth.tar"))
    assert report.kind == "ostrack" and not report.foreign_objects
    return model


def test_fixture_checkpoint_keys_are_ostrack_names(fixture_model):
    path = need_shared("ostrack/ostrack_tiny_ce.pth.tar")
    sd = torch.load(path, map_location="cpu", weights_only=True)["net"]
    assert set(sd) == set(fixture_model.state_dict())
    fixture_model.load_state_dict(sd, strict=True)


def test_fixture_maps_and_boxes_match_official_outputs(fixture_model):
    io = np.load(need_shared("ostrack/ostrack_tiny_ce_io.npz"))
    mask = torch.from_numpy(io["ce_mask"])
    assert torch.equal(mask, template_center_mask(fixture_model.config.template_feat_size))
    with torch.no_grad():
        out = fixture_model(torch.from_numpy(io["template"]), torch.from_numpy(io["search"]), mask)
    for key in ("score_map", "size_map", "offset_map", "pred_boxes"):
        assert out[key].shape == io[key].shape, key
        np.testing.assert_allclose(out[key].numpy(), io[key], atol=1e-4, rtol=0, err_msg=key)
    # CE really ran: 256 -> 180 -> 126 -> 89 search tokens, eliminated positions zero before the head.
    assert out["aux"]["search_index"].shape == (1, 89)
    search_feat = out["backbone_feat"][0, 64:]
    assert int((search_feat.abs().sum(dim=1) == 0).sum()) == 256 - 89


def test_crossing_boxes_match_official_tracker(fixture_model):
    seq = load_sequence_folder(need_shared("sequences/OTB/Crossing"))
    expected = load_boxes(need_shared("ostrack/ostrack_tiny_ce_boxes.txt"))
    assert len(expected) == len(seq) == 120
    tracker = TorchTracker(fixture_model)
    tracker.init(read_rgb(seq.frames[0]), seq.init_box)
    boxes = [seq.init_box]
    for frame in seq.frames[1:CROSSING_PREFIX]:
        boxes.append(tracker.track(read_rgb(frame)))
    err = np.abs(np.asarray(boxes) - expected[:CROSSING_PREFIX])
    assert err.max() < 0.5, f"max error {err.max():.4f} px at frame {int(err.max(axis=1).argmax())}"
