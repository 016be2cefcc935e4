"""Checkpoint kinds (OSTrack, bare, DataParallel, MAE/timm ViT, pickled foreign objects, whole modules)
and the architecture config file."""

from __future__ import annotations

import builtins
import json

import pytest
import torch
import torch.nn.functional as F

from edgetrack.errors import EdgetrackError
from edgetrack.models.checkpoint import checkpoint_architecture, load_checkpoint
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker

pytestmark = pytest.mark.usefixtures("single_torch_thread")

SMALL = dict(embed_dim=16, depth=2, num_heads=2, template_size=64, search_size=128, head_channels=16)


def small_model(seed: int = 0, **overrides):
    torch.manual_seed(seed)
    return build_tracker(TrackerConfig.from_dict(dict(SMALL, **overrides)))


def same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


class PickledConfig:
    """Stands for the config objects training scripts pickle beside the weights."""

    def __init__(self):
        self.lr = 1e-4


class CreatesFileWhenUnpickled:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (builtins.open, (self.path, "w"))


@pytest.mark.parametrize("wrap", ["bare", "net", "model-module-prefix"])
def test_tracker_state_dict_layouts_load_strictly(tmp_path, wrap):
    source, target = small_model(0), small_model(1)
    sd = source.state_dict()
    obj = {
        "bare": sd,
        "net": {"net": sd, "epoch": 300, "net_type": "OSTrack"},
        "model-module-prefix": {"model": {"module." + k: v for k, v in sd.items()}},
    }[wrap]
    torch.save(obj, tmp_path / "ckpt.pth")
    report = load_checkpoint(target, tmp_path / "ckpt.pth")
    assert same_weights(source, target)
    assert report.kind == ("ostrack" if wrap == "net" else "state-dict")


def test_checkpoint_that_does_not_fit_names_missing_and_unexpected_keys(tmp_path):
    sd = small_model().state_dict()
    del sd["box_head.conv1_ctr.0.weight"]
    sd["backbone.blocks.7.attn.qkv.weight"] = torch.zeros(1)
    torch.save({"net": sd}, tmp_path / "bad.pth")
    with pytest.raises(EdgetrackError) as err:
        load_checkpoint(small_model(), tmp_path / "bad.pth")
    text = str(err.value)
    assert "missing keys 1 (box_head.conv1_ctr.0.weight)" in text
    assert "unexpected keys 1 (backbone.blocks.7.attn.qkv.weight)" in text


def test_checkpoint_of_another_width_reports_shape_mismatch(tmp_path):
    torch.save({"net": small_model(embed_dim=32).state_dict()}, tmp_path / "wide.pth")
    with pytest.raises(EdgetrackError, match="shape mismatches"):
        load_checkpoint(small_model(), tmp_path / "wide.pth")


def mae_checkpoint(dim: int, depth: int, grid: int, cls: bool = True, seed: int = 5) -> dict:
    """An MAE pre-training state dict: encoder keys without prefix plus decoder keys."""
    torch.manual_seed(seed)
    donor = build_tracker(TrackerConfig.from_dict(dict(SMALL, embed_dim=dim, depth=depth))).backbone
    encoder = ("patch_embed", "blocks", "norm")
    # Random values: distinct from any freshly initialised model.
    sd = {k: torch.randn_like(v) for k, v in donor.state_dict().items() if k.startswith(encoder)}
    sd["pos_embed"] = torch.randn(1, grid * grid + int(cls), dim)
    if cls:
        sd["cls_token"] = torch.randn(1, 1, dim)
    sd["mask_token"] = torch.randn(1, 1, dim)
    sd["decoder_embed.weight"] = torch.randn(8, dim)
    return sd


def bicubic(patch_pos: torch.Tensor, grid: int, new: int) -> torch.Tensor:
    image = patch_pos[0].reshape(grid, grid, -1).permute(2, 0, 1)[None]
    out = F.interpolate(image, size=(new, new), mode="bicubic", align_corners=False)
    return out[0].permute(1, 2, 0).reshape(1, new * new, -1)


@pytest.mark.parametrize("grid, cls", [(14, True), (16, True), (14, False)])
def test_mae_checkpoint_loads_backbone_and_interpolates_pos_embed(tmp_path, grid, cls):
    sd = mae_checkpoint(16, 2, grid, cls)
    torch.save({"model": sd, "epoch": 1599}, tmp_path / "mae.pth")
    model = small_model()
    head_before = {k: v.clone() for k, v in model.box_head.state_dict().items()}
    report = load_checkpoint(model, tmp_path / "mae.pth")
    assert report.kind == "vit-backbone"
    assert set(report.ignored) == {"mask_token", "decoder_embed.weight"}
    bb = model.backbone
    assert torch.equal(bb.blocks[1].attn.qkv.weight, sd["blocks.1.attn.qkv.weight"])
    assert torch.equal(bb.patch_embed.proj.weight, sd["patch_embed.proj.weight"])
    assert torch.equal(bb.norm.weight, sd["norm.weight"])
    patch_pos = sd["pos_embed"][:, 1:] if cls else sd["pos_embed"]
    torch.testing.assert_close(bb.pos_embed_z.detach(), bicubic(patch_pos, grid, 4))
    torch.testing.assert_close(bb.pos_embed_x.detach(), bicubic(patch_pos, grid, 8))
    assert all(torch.equal(v, model.box_head.state_dict()[k]) for k, v in head_before.items())


def test_mae_checkpoint_of_another_depth_is_refused(tmp_path):
    torch.save({"model": mae_checkpoint(16, 3, 14)}, tmp_path / "deep.pth")
    with pytest.raises(EdgetrackError, match=r"unexpected keys \d+ \(blocks\.2\."):
        load_checkpoint(small_model(), tmp_path / "deep.pth")


def test_pickled_foreign_objects_are_not_executed(tmp_path):
    marker = tmp_path / "was_executed"
    source = small_model(3)
    obj = {"net": source.state_dict(), "cfg": PickledConfig(), "payload": CreatesFileWhenUnpickled(marker)}
    torch.save(obj, tmp_path / "foreign.pth")
    target = small_model(4)
    report = load_checkpoint(target, tmp_path / "foreign.pth")
    assert not marker.exists()
    assert same_weights(source, target)
    assert "io.open" in report.foreign_objects  # builtins.open pickles as io.open
    assert any(name.endswith("PickledConfig") for name in report.foreign_objects)


def test_pickled_whole_module_gives_its_parameters(tmp_path):
    source = small_model(6)
    torch.save(source, tmp_path / "whole.pth")
    target = small_model(7)
    load_checkpoint(target, tmp_path / "whole.pth")
    assert same_weights(source, target)


@pytest.mark.parametrize("content", [b"not a checkpoint at all", b""])
def test_unreadable_file_is_a_clear_error(tmp_path, content):
    (tmp_path / "junk.pth").write_bytes(content)
    with pytest.raises(EdgetrackError, match="cannot read checkpoint"):
        load_checkpoint(small_model(), tmp_path / "junk.pth")


def test_tensor_free_checkpoint_is_a_clear_error(tmp_path):
    torch.save({"epoch": 3}, tmp_path / "empty.pth")
    with pytest.raises(EdgetrackError, match="no state dict found"):
        load_checkpoint(small_model(), tmp_path / "empty.pth")


def test_config_from_json_and_yaml(tmp_path):
    data = dict(SMALL, ce_loc=[0], ce_keep_ratio=0.7, sequence="Crossing", frames=120)
    (tmp_path / "a.json").write_text(json.dumps(data))
    (tmp_path / "a.yaml").write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in data.items()))
    a, b = TrackerConfig.load(tmp_path / "a.json"), TrackerConfig.load(tmp_path / "a.yaml")
    assert a == b and a.feat_size == 8 and a.template_feat_size == 4
    assert a.search_token_counts() == [45, 45]  # ceil(0.7 * 64)
    assert a.search_token_counts(keep_ratio_override=1.0) == [64, 64]


def test_config_unknown_keys_and_bad_values_are_named(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps(dict(SMALL, emb_dim=3, drop_rate=0.1)))
    with pytest.raises(EdgetrackError, match="unknown tracker config keys: drop_rate, emb_dim"):
        TrackerConfig.load(tmp_path / "bad.json")
    with pytest.raises(EdgetrackError, match="not a multiple of num_heads"):
        TrackerConfig.from_dict(dict(SMALL, num_heads=3))
    with pytest.raises(EdgetrackError, match="ce_keep_ratio has 1 values for 2"):
        TrackerConfig.from_dict(dict(SMALL, ce_loc=[0, 1], ce_keep_ratio=[0.5]))
    with pytest.raises(EdgetrackError, match="size_rate 'abc' must be a number in"):
        TrackerConfig.from_dict(dict(SMALL, size_rate="abc"))
    with pytest.raises(EdgetrackError, match="min_score 1.5 must be a number in"):
        TrackerConfig.from_dict(dict(SMALL, min_score=1.5))
    with pytest.raises(EdgetrackError, match="does not exist"):
        TrackerConfig.load(tmp_path / "absent.json")


def test_shipped_architecture_files_load():
    from conftest import ROOT

    files = sorted((ROOT / "models" / "arch").glob("*.json"))
    assert len(files) >= 3
    for path in files:
        cfg = TrackerConfig.load(path)
        assert cfg.search_size % cfg.patch_size == 0


def test_checkpoint_architecture_order(tmp_path):
    """--arch-config first, then the model_config a training checkpoint carries, then NAME.json beside
    the checkpoint; None when there is none of them."""
    model = small_model()
    bare, carried = tmp_path / "bare.pth.tar", tmp_path / "carried.pth"
    torch.save({"net": model.state_dict()}, bare)
    torch.save({"net": model.state_dict(), "model_config": dict(SMALL, depth=1)}, carried)
    given = tmp_path / "given.json"
    given.write_text(json.dumps(dict(SMALL, depth=3)))
    assert checkpoint_architecture(bare) is None
    (tmp_path / "bare.json").write_text(json.dumps(SMALL))
    (tmp_path / "carried.json").write_text(json.dumps(SMALL))
    found = checkpoint_architecture(bare)
    assert found.config.depth == 2 and found.origin.endswith("bare.json")
    found = checkpoint_architecture(carried)
    assert found.config.depth == 1 and found.origin.endswith("model_config")
    assert checkpoint_architecture(carried, given).config.depth == 3
    with pytest.raises(EdgetrackError, match="does not exist"):
        checkpoint_architecture(bare, tmp_path / "missing.json")
