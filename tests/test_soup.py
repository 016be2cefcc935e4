"""Weight averaging of training checkpoints (edgetrack.train.soup)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from edgetrack.errors import EdgetrackError
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.evaluate import load_trained_model
from edgetrack.train.soup import average_checkpoints, write_average

SMALL = dict(embed_dim=16, depth=2, num_heads=2, template_size=32, search_size=64, head_channels=16)


def checkpoint(tmp_path: Path, name: str, seed: int, **overrides) -> Path:
    torch.manual_seed(seed)
    config = TrackerConfig(**{**SMALL, **overrides})
    model = build_tracker(config)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.normal_()
    path = tmp_path / name
    torch.save({"net": model.state_dict(), "model_config": config.to_dict(), "epoch": seed}, path)
    return path


def test_average_is_the_uniform_mean_of_every_float_tensor(tmp_path):
    paths = [checkpoint(tmp_path, f"m{i}.pth", seed=i) for i in range(3)]
    nets = [torch.load(p, weights_only=True)["net"] for p in paths]
    soup = average_checkpoints(paths)
    assert soup["averaged_from"] == [str(p) for p in paths]
    for name, tensor in soup["net"].items():
        if tensor.is_floating_point():
            expected = (nets[0][name] + nets[1][name] + nets[2][name]) / 3
            torch.testing.assert_close(tensor, expected, rtol=0, atol=1e-6)
            assert not torch.allclose(tensor, nets[0][name])
        else:  # batch-norm step counters are taken from the first member
            assert torch.equal(tensor, nets[0][name])


def test_weights_give_the_weighted_mean_scaled_to_one(tmp_path):
    # WiSE-FT: (1 - a) * start + a * fine-tuned; weights 1 and 3 are 0.25 and 0.75
    paths = [checkpoint(tmp_path, f"m{i}.pth", seed=i) for i in range(2)]
    a, b = (torch.load(p, weights_only=True)["net"] for p in paths)
    soup = average_checkpoints(paths, weights=[1.0, 3.0])
    assert soup["average_weights"] == [0.25, 0.75]
    for name, tensor in soup["net"].items():
        if tensor.is_floating_point():
            torch.testing.assert_close(tensor, 0.25 * a[name] + 0.75 * b[name], rtol=0, atol=1e-6)
    only_second = average_checkpoints(paths, weights=[0.0, 1.0])["net"]
    assert all(torch.equal(only_second[name], b[name]) for name in b if b[name].is_floating_point())


def test_written_average_loads_as_a_trained_model(tmp_path):
    paths = [checkpoint(tmp_path, f"m{i}.pth", seed=i) for i in range(2)]
    out = write_average(paths, tmp_path / "soup" / "soup.pth")
    model = load_trained_model(out)
    a, b = (torch.load(p, weights_only=True)["net"] for p in paths)
    weight = "backbone.blocks.0.attn.qkv.weight"
    torch.testing.assert_close(model.state_dict()[weight], (a[weight] + b[weight]) / 2)
    assert [p.name for p in out.parent.iterdir()] == ["soup.pth"]  # no temporary file left


def test_a_single_checkpoint_averages_to_itself(tmp_path):
    path = checkpoint(tmp_path, "m.pth", seed=0)
    net = torch.load(path, weights_only=True)["net"]
    soup = average_checkpoints([path])
    for name, tensor in net.items():
        assert torch.equal(soup["net"][name], tensor)


def test_bad_members_give_one_line_errors_and_no_file(tmp_path):
    a = checkpoint(tmp_path, "a.pth", seed=0)
    wider = checkpoint(tmp_path, "wider.pth", seed=1, embed_dim=32)
    torch.save({"weights": {}}, tmp_path / "foreign.pth")
    (tmp_path / "damaged.pth").write_bytes(a.read_bytes()[:1000])
    cases = [
        ([a, wider], "another architecture"),
        ([a, tmp_path / "missing.pth"], "does not exist"),
        ([a, tmp_path / "foreign.pth"], "not an edgetrack training checkpoint"),
        ([a, tmp_path / "damaged.pth"], "not a readable training checkpoint"),
        ([], "no checkpoint"),
    ]
    weighted = [
        ([0.5], "1 weights for 2 checkpoints"),
        ([1.0, -0.5], "non-negative"),
        ([0.0, 0.0], "not all zero"),
    ]
    for weights, message in weighted:
        with pytest.raises(EdgetrackError, match=message):
            write_average([a, a], tmp_path / "out.pth", weights)
        assert not (tmp_path / "out.pth").exists()
    for paths, message in cases:
        with pytest.raises(EdgetrackError, match=message) as error:
            write_average(paths, tmp_path / "out.pth")
        assert "\n" not in str(error.value)
        assert not (tmp_path / "out.pth").exists()


def test_average_cli_writes_a_checkpoint_that_exports(tmp_path):
    paths = [checkpoint(tmp_path, f"m{i}.pth", seed=i) for i in range(2)]
    run = subprocess.run(
        [sys.executable, "-m", "edgetrack", "average", *map(str, paths), "-o", str(tmp_path / "soup.pth")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "averaged 2 checkpoints" in run.stdout
    export = subprocess.run(
        [sys.executable, "-m", "edgetrack", "export", str(tmp_path / "soup.pth"), "--format", "onnx",
         "-o", str(tmp_path / "soup.onnx")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "edgetrack", "average", str(paths[0]), str(tmp_path / "nope.pth"), "-o",
         str(tmp_path / "bad.pth")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (
        bad.returncode == 2 and bad.stderr.strip().startswith("error:") and len(bad.stderr.splitlines()) == 1
    )
    assert not (tmp_path / "bad.pth").exists()
    unreadable = subprocess.run(
        [sys.executable, "-m", "edgetrack", "average", *map(str, paths), "--weights", "0.25;0.75", "-o",
         str(tmp_path / "bad.pth")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert unreadable.returncode == 2 and "--weights '0.25;0.75'" in unreadable.stderr
    assert len(unreadable.stderr.splitlines()) == 1 and not (tmp_path / "bad.pth").exists()
