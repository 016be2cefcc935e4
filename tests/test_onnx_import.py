"""Importing an exported tracker's weights back into the torch model (edgetrack.models.onnx_import)."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import torch

from edgetrack.errors import EdgetrackError
from edgetrack.models.checkpoint import infer_config, load_checkpoint
from edgetrack.models.config import TrackerConfig
from edgetrack.models.onnx_import import import_onnx_tracker, load_onnx_weights, verify_import
from edgetrack.models.ostrack import TrackerMaps, build_tracker
from edgetrack.models.vit import resize_pos_embed_grid

SHARED = Path(__file__).resolve().parents[2] / "shared"
VITTRACK = SHARED / "fixtures" / "models" / "vittrack.onnx"

SMALL = dict(embed_dim=16, depth=2, num_heads=2, template_size=32, search_size=64, head_channels=16)


def export(model, path: Path) -> Path:
    from edgetrack.deploy.torch_export import torch_to_onnx

    onnx.save(torch_to_onnx(model.eval()), str(path))
    return path


def randomised(config: TrackerConfig, seed: int = 0):
    """A tracker whose every tensor (batch-norm statistics too) is random at a scale that keeps the
    activations alive (std 1/sqrt(fan-in)), so a misplaced tensor changes the outputs."""
    torch.manual_seed(seed)
    model = build_tracker(config)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if tensor.ndim > 1 and "pos_embed" not in name and "cls_token" not in name:
                tensor.copy_(torch.randn_like(tensor) / tensor[0].numel() ** 0.5)
            elif "running_var" in name or name.endswith(("norm1.weight", "norm2.weight", "norm.weight")):
                tensor.copy_(torch.rand_like(tensor) + 0.5)
            elif name.startswith("box_head.") and name.endswith(".bias"):
                tensor.copy_(torch.rand_like(tensor) * 0.5)  # positive: the head's ReLUs stay open
            else:
                tensor.copy_(torch.randn_like(tensor) * 0.5)
    return model.eval()


def maps(model, config: TrackerConfig, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    template = torch.randn(1, 3, config.template_size, config.template_size, generator=g)
    search = torch.randn(1, 3, config.search_size, config.search_size, generator=g)
    with torch.no_grad():
        return TrackerMaps(model)(template, search)


@pytest.mark.parametrize(
    "stem, patch, separate",
    [("conv", 8, False), ("conv", 8, True), ("patch", 8, False), ("conv", 16, False)],
)
def test_exported_tracker_imports_back_with_the_same_outputs(tmp_path, stem, patch, separate):
    sizes = dict(SMALL, template_size=2 * patch * 2, search_size=4 * patch * 2)
    config = TrackerConfig(**sizes, patch_size=patch, stem=stem, separate_stems=separate, layer_norm_eps=1e-5)
    model = randomised(config)
    imported = import_onnx_tracker(export(model, tmp_path / "m.onnx"))
    got = imported.config
    assert (got.stem, got.patch_size, got.separate_stems) == (stem, patch, separate)
    assert (got.embed_dim, got.depth, got.num_heads, got.head_channels) == (16, 2, 2, 16)
    assert (got.template_size, got.search_size, got.layer_norm_eps) == (
        sizes["template_size"],
        sizes["search_size"],
        1e-5,
    )
    assert verify_import(imported) < 1e-4
    inferred = infer_config(imported.state_dict)  # what `edgetrack info` reads from a bare state dict
    assert (inferred.stem, inferred.patch_size, inferred.separate_stems, inferred.head_batch_norm) == (
        stem,
        patch,
        separate,
        False,
    )
    assert (inferred.embed_dim, inferred.search_size) == (16, sizes["search_size"])
    rebuilt = build_tracker(got).eval()
    rebuilt.load_state_dict(imported.state_dict)
    expected = maps(model, config)
    assert all(float(m.std()) > 1e-3 for m in expected)  # live maps: a wrong tensor would show
    for a, b in zip(expected, maps(rebuilt, got), strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    # The linear weights are placed by name, not by order: block 1's qkv is block 1's.
    torch.testing.assert_close(
        rebuilt.backbone.blocks[1].attn.qkv.weight, model.backbone.blocks[1].attn.qkv.weight
    )


def test_a_misplaced_tensor_fails_the_parity_check(tmp_path):
    model = randomised(TrackerConfig(**SMALL, patch_size=8, stem="conv"))
    imported = import_onnx_tracker(export(model, tmp_path / "m.onnx"))
    sd = imported.state_dict
    sd["backbone.blocks.0.mlp.fc1.weight"], sd["backbone.blocks.1.mlp.fc1.weight"] = (
        sd["backbone.blocks.1.mlp.fc1.weight"],
        sd["backbone.blocks.0.mlp.fc1.weight"],
    )
    with pytest.raises(EdgetrackError, match="differs from the file"):
        verify_import(imported)


def test_initialising_a_smaller_crop_model_resizes_only_the_position_embeddings(tmp_path):
    source = randomised(TrackerConfig(**SMALL, patch_size=8, stem="conv"))
    path = export(source, tmp_path / "m.onnx")
    student = build_tracker(
        TrackerConfig(
            **dict(SMALL, template_size=24, search_size=48), patch_size=8, stem="conv", head_batch_norm=False
        )
    )
    report = load_checkpoint(student, path)
    assert report.kind == "onnx"
    assert student.backbone.pos_embed_x.shape == (1, 36, 16)
    torch.testing.assert_close(
        student.backbone.blocks[0].attn.qkv.weight, source.backbone.blocks[0].attn.qkv.weight
    )
    torch.testing.assert_close(
        student.backbone.patch_embed.stem[0].weight, source.backbone.patch_embed.stem[0].weight
    )
    # the position embeddings are the source's, resized bicubically to the 3x3 / 6x6 grids (OSTrack's rule)
    source_pos = source.backbone.pos_embed_x.detach()
    torch.testing.assert_close(student.backbone.pos_embed_x, resize_pos_embed_grid(source_pos, 8, 6))
    source_pos_z = source.backbone.pos_embed_z.detach()
    torch.testing.assert_close(student.backbone.pos_embed_z, resize_pos_embed_grid(source_pos_z, 4, 3))


def test_a_model_of_another_width_is_refused_with_the_tensor_named(tmp_path):
    path = export(randomised(TrackerConfig(**SMALL, patch_size=8, stem="conv")), tmp_path / "m.onnx")
    other = build_tracker(
        TrackerConfig(**dict(SMALL, embed_dim=32), patch_size=8, stem="conv", head_batch_norm=False)
    )
    with pytest.raises(EdgetrackError, match="does not fit the model"):
        load_onnx_weights(other, path)


def test_files_that_are_not_trackers_give_one_line_errors(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a protobuf at all" * 10)
    with pytest.raises(EdgetrackError, match="not a readable ONNX file"):
        import_onnx_tracker(junk)
    with pytest.raises(EdgetrackError, match="does not exist"):
        import_onnx_tracker(tmp_path / "missing.onnx")
    x = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 8, 8])
    y = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 3, 8, 8])
    graph = onnx.helper.make_graph([onnx.helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    relu = tmp_path / "relu.onnx"
    onnx.save(onnx.helper.make_model(graph), str(relu))
    with pytest.raises(EdgetrackError, match="two square 3-channel image inputs") as info:
        import_onnx_tracker(relu)
    assert "\n" not in str(info.value)


def test_conv_stem_needs_a_power_of_two_patch():
    with pytest.raises(EdgetrackError, match="power-of-two patch_size"):
        TrackerConfig(**dict(SMALL, template_size=24, search_size=48), patch_size=12, stem="conv")


@pytest.mark.skipif(not VITTRACK.is_file(), reason="../shared/fixtures/models/vittrack.onnx is absent")
def test_vittrack_imports_with_its_architecture_and_matches_the_file():
    imported = import_onnx_tracker(VITTRACK)
    cfg = imported.config
    assert (cfg.embed_dim, cfg.depth, cfg.num_heads, cfg.mlp_ratio) == (48, 3, 1, 4.0)
    assert (cfg.patch_size, cfg.stem, cfg.separate_stems, cfg.layer_norm_eps) == (16, "conv", False, 1e-5)
    assert (cfg.template_size, cfg.search_size, cfg.head_channels) == (128, 256, 32)
    assert verify_import(imported, seed=3) < 1e-4
