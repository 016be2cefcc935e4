"""Parity as a property of the code: the tracker against an independent reference written here from
OSTrack's description (einsum attention, hand LayerNorm/GELU/BatchNorm, CE by sort and removed-index
lists, per-sample Python loops), on configurations other than the fixture's, in float64 so that even
an epsilon or an ordering slip shows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from edgetrack.models.ce import template_center_mask
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.models.torch_tracker import TorchTracker
from edgetrack.models.vit import resize_pos_embed_grid
from edgetrack.preprocess import Normalizer, sample_target

pytestmark = pytest.mark.usefixtures("single_torch_thread")

CONFIGS = {
    "ce-two-ratios": dict(
        embed_dim=32, depth=4, num_heads=4, template_size=64, search_size=128, ce_loc=[1, 2],
        ce_keep_ratio=[0.5, 0.7], head_channels=32,
    ),
    "ce-all-template": dict(
        embed_dim=24, depth=3, num_heads=2, mlp_ratio=2.0, template_size=48, search_size=96, ce_loc=[0],
        ce_keep_ratio=0.6, ce_template_range="ALL", head_channels=16,
    ),
    "no-ce-odd-grid": dict(
        embed_dim=16, depth=2, num_heads=2, template_size=112, search_size=80, head_channels=16,
    ),
}  # fmt: skip


def randomised_model(cfg: TrackerConfig, seed: int = 0):
    """A model whose every tensor (norms, BN statistics, position embeddings too) is random."""
    torch.manual_seed(seed)
    model = build_tracker(cfg)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("running_var"):
                tensor.copy_(torch.rand_like(tensor) + 0.5)
            elif tensor.is_floating_point() and tensor.ndim >= 2 and "weight" in name:
                tensor.copy_(torch.randn_like(tensor) / math.sqrt(tensor[0].numel()))
            elif name.endswith(".weight"):  # LayerNorm / BatchNorm scales
                tensor.copy_(1.0 + 0.2 * torch.randn_like(tensor))
            elif tensor.is_floating_point():
                tensor.copy_(0.1 * torch.randn_like(tensor))
        model.box_head.conv5_size.bias.fill_(-1.0)
    return model.eval()


def ref_layer_norm(x, sd, name):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-6) * sd[name + ".weight"] + sd[name + ".bias"]


def ref_linear(x, sd, name):
    return x @ sd[name + ".weight"].T + sd[name + ".bias"]


def ref_conv_bn_relu(x, sd, name):
    x = F.conv2d(x, sd[name + ".0.weight"], sd[name + ".0.bias"], padding=1)
    rm, rv = sd[name + ".1.running_mean"], sd[name + ".1.running_var"]
    x = (x - rm[:, None, None]) / torch.sqrt(rv[:, None, None] + 1e-5)
    return torch.relu(x * sd[name + ".1.weight"][:, None, None] + sd[name + ".1.bias"][:, None, None])


def ref_forward(sd, cfg: TrackerConfig, template, search, mask):
    """OSTrack's forward written out from scratch."""
    dim, heads, p = cfg.embed_dim, cfg.num_heads, cfg.patch_size
    hd = dim // heads

    def embed(img, pos):
        proj = "backbone.patch_embed.proj"
        out = F.conv2d(img, sd[proj + ".weight"], sd[proj + ".bias"], stride=p)
        return out.flatten(2).transpose(1, 2) + pos

    z, xs = embed(template, sd["backbone.pos_embed_z"]), embed(search, sd["backbone.pos_embed_x"])
    batch, lens_z, lens_x = z.shape[0], z.shape[1], xs.shape[1]
    x = torch.cat([z, xs], 1)
    keep_index = [list(range(lens_x)) for _ in range(batch)]
    removed = [[] for _ in range(batch)]
    ratios = dict(zip(cfg.ce_loc, cfg.keep_ratios, strict=True))
    for i in range(cfg.depth):
        b = f"backbone.blocks.{i}."
        qkv = ref_linear(ref_layer_norm(x, sd, b + "norm1"), sd, b + "attn.qkv")
        n = x.shape[1]
        q, k, v = (qkv[..., j * dim : (j + 1) * dim].reshape(batch, n, heads, hd) for j in range(3))
        attn = torch.softmax(torch.einsum("bnhd,bmhd->bhnm", q, k) / math.sqrt(hd), dim=-1)
        mixed = torch.einsum("bhnm,bmhd->bnhd", attn, v).reshape(batch, n, dim)
        x = x + ref_linear(mixed, sd, b + "attn.proj")
        ratio = ratios.get(i, 1.0)
        lens_s = n - lens_z
        keep = math.ceil(ratio * lens_s)
        if keep < lens_s:
            rows = []
            for s in range(batch):
                a = attn[s, :, :lens_z, lens_z:]
                if mask is not None:
                    a = a[:, mask[min(s, len(mask) - 1)]]
                score = a.mean(dim=1).mean(dim=0)
                order = torch.sort(score, descending=True).indices.tolist()
                top, rest = order[:keep], order[keep:]
                removed[s] += [keep_index[s][j] for j in rest]
                keep_index[s] = [keep_index[s][j] for j in top]
                rows.append(torch.cat([x[s, :lens_z], x[s, lens_z:][top]]))
            x = torch.stack(rows)
        h = ref_linear(ref_layer_norm(x, sd, b + "norm2"), sd, b + "mlp.fc1")
        x = x + ref_linear(0.5 * h * (1 + torch.erf(h / math.sqrt(2))), sd, b + "mlp.fc2")
    x = ref_layer_norm(x, sd, "backbone.norm")
    search_tokens = torch.zeros(batch, lens_x, dim, dtype=x.dtype)
    for s in range(batch):
        search_tokens[s, keep_index[s]] = x[s, lens_z:]
        assert sorted(keep_index[s] + removed[s]) == list(range(lens_x))
    n = cfg.feat_size
    feat = search_tokens.permute(0, 2, 1).reshape(batch, dim, n, n)
    maps = {}
    for branch in ("ctr", "size", "offset"):
        y = feat
        for j in range(1, 5):
            y = ref_conv_bn_relu(y, sd, f"box_head.conv{j}_{branch}")
        maps[branch] = F.conv2d(y, sd[f"box_head.conv5_{branch}.weight"], sd[f"box_head.conv5_{branch}.bias"])
    score = torch.sigmoid(maps["ctr"]).clamp(1e-4, 1 - 1e-4)
    size = torch.sigmoid(maps["size"]).clamp(1e-4, 1 - 1e-4)
    boxes = []
    for s in range(batch):
        iy, ix = divmod(int(score[s, 0].argmax()), n)
        off = maps["offset"][s, :, iy, ix]
        boxes.append([(ix + off[0]) / n, (iy + off[1]) / n, size[s, 0, iy, ix], size[s, 1, iy, ix]])
    return {"score_map": score, "size_map": size, "offset_map": maps["offset"], "boxes": torch.tensor(boxes)}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_forward_matches_independent_reference(name):
    cfg = TrackerConfig.from_dict(CONFIGS[name])
    model = randomised_model(cfg).double()
    torch.manual_seed(1)
    template = torch.randn(2, 3, cfg.template_size, cfg.template_size, dtype=torch.float64)
    search = torch.randn(2, 3, cfg.search_size, cfg.search_size, dtype=torch.float64)
    mask = model.default_ce_mask(2)
    if mask is not None:  # a different template token per sample: per-sample masks are honoured
        mask[1] = torch.roll(mask[1], 1)
    with torch.no_grad():
        out = model(template, search, mask)
    ref = ref_forward(model.state_dict(), cfg, template, search, mask)
    for key, ref_key in (("score_map", "score_map"), ("size_map", "size_map"), ("offset_map", "offset_map")):
        torch.testing.assert_close(out[key], ref[ref_key], atol=1e-10, rtol=0)
    torch.testing.assert_close(out["pred_boxes"][:, 0], ref["boxes"], atol=1e-10, rtol=0)
    # The maps must not be trivially constant, or the comparison proves nothing.
    assert out["score_map"].std() > 1e-3 and out["offset_map"].std() > 1e-3


def test_keep_ratio_one_equals_no_ce_and_run_time_rate_overrides():
    base = dict(embed_dim=32, depth=3, num_heads=2, template_size=64, search_size=128, head_channels=16)
    plain = randomised_model(TrackerConfig.from_dict(base))
    ce_one = build_tracker(TrackerConfig.from_dict(dict(base, ce_loc=[0, 1], ce_keep_ratio=1.0))).eval()
    ce_half = build_tracker(TrackerConfig.from_dict(dict(base, ce_loc=[1], ce_keep_ratio=0.5))).eval()
    ce_one.load_state_dict(plain.state_dict())
    ce_half.load_state_dict(plain.state_dict())
    template, search = torch.randn(1, 3, 64, 64), torch.randn(1, 3, 128, 128)
    mask = plain.default_ce_mask(1)
    with torch.no_grad():
        ref = plain(template, search, mask)
        same = ce_one(template, search, mask)
        off = ce_half(template, search, mask, ce_keep_rate=1.0)
        on = ce_half(template, search, mask)
    for out in (same, off):
        assert torch.equal(out["score_map"], ref["score_map"])
        assert torch.equal(out["size_map"], ref["size_map"])
    assert on["aux"]["search_index"].shape == (1, 32)
    assert not torch.allclose(on["score_map"], ref["score_map"])


def test_block_attention_matches_hand_written_attention():
    cfg = TrackerConfig.from_dict(CONFIGS["ce-two-ratios"])
    block = randomised_model(cfg).backbone.blocks[0]
    x = torch.randn(2, 20, cfg.embed_dim)
    with torch.no_grad():
        out, attn = block.attn(x)
        w, bias = block.attn.qkv.weight, block.attn.qkv.bias
        d, h = cfg.embed_dim, cfg.num_heads
        q, k, v = (F.linear(x, w[i * d : (i + 1) * d], bias[i * d : (i + 1) * d]) for i in range(3))
        per_head = []
        for j in range(h):
            sl = slice(j * d // h, (j + 1) * d // h)
            a = torch.softmax(q[..., sl] @ k[..., sl].transpose(1, 2) / math.sqrt(d // h), dim=-1)
            torch.testing.assert_close(attn[:, j], a)
            per_head.append(a @ v[..., sl])
        expected = block.attn.proj(torch.cat(per_head, dim=-1))
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("grid", [4, 6, 8, 16])
def test_pos_embed_interpolation_is_bicubic_resize_of_the_pretrained_grid(grid):
    pos = torch.randn(1, 1 + 14 * 14, 12)
    image = pos[0, 1:].reshape(14, 14, 12).permute(2, 0, 1)[None]
    expected = F.interpolate(image, size=(grid, grid), mode="bicubic", align_corners=False)
    got = resize_pos_embed_grid(pos[:, 1:], 14, grid)
    torch.testing.assert_close(got, expected[0].permute(1, 2, 0).reshape(1, grid * grid, 12))
    cfg = TrackerConfig(embed_dim=12, depth=1, num_heads=2, template_size=16 * grid, search_size=32 * grid)
    model = build_tracker(cfg)
    with torch.no_grad():
        model.backbone.pos_embed.copy_(pos)
    model.backbone.derive_pos_embeds()
    torch.testing.assert_close(model.backbone.pos_embed_z.detach(), got)


def test_score_and_size_are_clamped_like_ostrack():
    cfg = TrackerConfig.from_dict(CONFIGS["no-ce-odd-grid"])
    head = randomised_model(cfg).box_head
    feat = torch.randn(1, cfg.embed_dim, cfg.feat_size, cfg.feat_size)
    with torch.no_grad():
        head.conv5_ctr.bias.fill_(60.0)
        head.conv5_size.bias.fill_(-60.0)
        score, size, _ = head(feat)
    assert torch.all(score == torch.tensor(1 - 1e-4)) and torch.all(size == torch.tensor(1e-4))


@pytest.mark.parametrize("n, centre", [(7, 3), (8, 3), (12, 5), (14, 6)])
def test_template_centre_mask_follows_ostrack_table(n, centre):
    mask = template_center_mask(n, batch=2)
    assert mask.shape == (2, n * n) and mask.dtype == torch.bool
    assert mask.sum().item() == 2 and mask[0, centre * n + centre]


def test_tracking_loop_matches_reference_loop_on_another_config(otb_crossing):
    """The tracker loop with a non-fixture config against OSTrack's loop written with the reference net."""
    from edgetrack.datasets.folder import load_sequence_folder
    from edgetrack.datasets.sequence import read_rgb

    cfg = TrackerConfig.from_dict(dict(CONFIGS["ce-two-ratios"], template_factor=2.0, search_factor=4.0))
    model = randomised_model(cfg)
    sd = model.state_dict()
    seq = load_sequence_folder(otb_crossing)
    norm = Normalizer()
    frames = [read_rgb(f) for f in seq.frames[:8]]
    tracker = TorchTracker(model)
    tracker.init(frames[0], seq.init_box)
    z_crop, _ = sample_target(frames[0], seq.init_box, 2.0, cfg.template_size)
    template = torch.from_numpy(norm(z_crop))
    n = cfg.feat_size
    k = torch.arange(1, n + 1, dtype=torch.float64)
    hann = 0.5 * (1 - torch.cos(2 * math.pi * k / (n + 1)))
    window = (hann[:, None] * hann[None, :]).float()
    state = list(seq.init_box)
    mask = template_center_mask(cfg.template_feat_size)
    for frame in frames[1:]:
        height, width = frame.shape[:2]
        x_crop, resize = sample_target(frame, state, 4.0, cfg.search_size)
        with torch.no_grad():
            ref = ref_forward(sd, cfg, template, torch.from_numpy(norm(x_crop)), mask)
        response = (window * ref["score_map"][0, 0]).flatten()
        iy, ix = divmod(int(response.argmax()), n)
        off = ref["offset_map"][0, :, iy, ix].tolist()
        wh = ref["size_map"][0, :, iy, ix].tolist()
        side = cfg.search_size / resize
        cx, cy = (ix + off[0]) / n * side, (iy + off[1]) / n * side
        w, h = wh[0] * side, wh[1] * side
        cx += state[0] + 0.5 * state[2] - 0.5 * side
        cy += state[1] + 0.5 * state[3] - 0.5 * side
        x1, y1, x2, y2 = cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h
        x1, x2 = min(max(0, x1), width - 10), min(max(10, x2), width)
        y1, y2 = min(max(0, y1), height - 10), min(max(10, y2), height)
        state = [x1, y1, max(10, x2 - x1), max(10, y2 - y1)]
        np.testing.assert_allclose(tracker.track(frame), state, atol=1e-3)


def test_block_tokens_for_distillation_follow_elimination():
    cfg = TrackerConfig.from_dict(CONFIGS["ce-two-ratios"])  # 16 template + 64 search tokens
    model = randomised_model(cfg)
    with torch.no_grad():
        template, search = torch.randn(1, 3, 64, 64), torch.randn(1, 3, 128, 128)
        out = model(template, search, model.default_ce_mask(1), return_tokens=True)
    aux = out["aux"]
    assert [t.shape[1] for t in aux["block_tokens"]] == [16 + 64, 16 + 32, 16 + 23, 16 + 23]  # ceil(.7*32)=23
    assert [i.shape[1] for i in aux["block_search_index"]] == [64, 32, 23, 23]
    # The last block's tokens, normalised and put back in place, are the backbone output.
    last = model.backbone.norm(aux["block_tokens"][-1])
    idx = aux["block_search_index"][-1][0]
    torch.testing.assert_close(out["backbone_feat"][0, 16 + idx], last[0, 16:])
    torch.testing.assert_close(out["backbone_feat"][0, :16], last[0, :16])


def test_drop_path_only_acts_in_training():
    cfg = TrackerConfig.from_dict(dict(CONFIGS["no-ce-odd-grid"], drop_path_rate=0.5))
    model = randomised_model(cfg)
    assert model.backbone.blocks[0].drop_path.p == 0.0 and model.backbone.blocks[-1].drop_path.p == 0.5
    template, search = torch.randn(4, 3, 112, 112), torch.randn(4, 3, 80, 80)
    with torch.no_grad():
        first, second = model(template, search)["score_map"], model(template, search)["score_map"]
        assert torch.equal(first, second)
        model.train()
        torch.manual_seed(0)
        a = model.backbone(template, search)[0]
        torch.manual_seed(1)
        b = model.backbone(template, search)[0]
    assert not torch.allclose(a, b)
