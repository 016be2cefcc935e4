"""`edgetrack info` on checkpoints, architecture files and ONNX models (the latter without torch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARCH = dict(embed_dim=16, depth=2, num_heads=2, template_size=64, search_size=128, head_channels=16,
            ce_loc=[1], ce_keep_ratio=0.5)  # fmt: skip


def run_info(*args: str, block: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`edgetrack info` in a fresh interpreter where the `block`ed modules cannot be imported."""
    code = (
        "import sys\n"
        f"for name in {list(block)!r}: sys.modules[name] = None\n"
        "from edgetrack.cli import main\n"
        f"sys.argv = ['edgetrack', 'info', *{list(args)!r}]\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"COLUMNS": "200", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def tiny_onnx(path: Path, metadata: dict | None) -> None:
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((1, 3, 2, 2), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Add", ["search", "w"], ["score"])],
        "tiny",
        [helper.make_tensor_value_info("search", TensorProto.FLOAT, [1, 3, 2, 2])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 3, 2, 2])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if metadata is not None:
        helper.set_model_props(model, {"edgetrack": json.dumps(metadata)})
    onnx.save(model, str(path))


def test_info_on_checkpoint_counts_with_its_architecture(tmp_path):
    import torch

    from edgetrack.models.complexity import count_complexity
    from edgetrack.models.config import TrackerConfig
    from edgetrack.models.ostrack import build_tracker

    cfg = TrackerConfig.from_dict(ARCH)
    model = build_tracker(cfg)
    torch.save({"net": model.state_dict()}, tmp_path / "tracker.pth.tar")
    (tmp_path / "arch.json").write_text(json.dumps(ARCH))
    done = run_info(str(tmp_path / "tracker.pth.tar"), "--arch-config", str(tmp_path / "arch.json"))
    assert done.returncode == 0, done.stderr
    counted = count_complexity(model)
    assert f"{counted.params:,}" in done.stdout and f"{counted.macs:,}" in done.stdout
    assert "search tokens 64 -> 32" in done.stdout and "1x3x128x128" in done.stdout


def test_info_on_onnx_needs_no_torch(tmp_path):
    tiny_onnx(tmp_path / "m.onnx", {"tracker": "tiny", "search_size": 2})
    done = run_info(str(tmp_path / "m.onnx"), block=("torch",))
    assert done.returncode == 0, done.stderr
    assert "1x3x2x2" in done.stdout and "(12)" in done.stdout  # the 12 weight elements
    assert "meta: tracker" in done.stdout and "tiny" in done.stdout
    without_onnx = run_info(str(tmp_path / "m.onnx"), block=("torch", "onnx"))  # counted on the graph
    assert without_onnx.returncode == 0, without_onnx.stderr
    assert "(12)" in without_onnx.stdout


@pytest.mark.parametrize("name, content", [("broken.onnx", b"junk"), ("broken.pth", b"junk")])
def test_info_on_bad_file_is_one_line_error(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    done = run_info(str(tmp_path / name))
    assert done.returncode == 2
    assert done.stderr.startswith("error:") and "Traceback" not in done.stderr
