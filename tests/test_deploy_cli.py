"""`edgetrack export` on bad input: exit code 2, one line on stderr, no traceback, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_helpers import SMALL_ARCH, small_checkpoint, synthetic_sequence

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("torch")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    checkpoint, arch = small_checkpoint(folder)
    wrong_arch = folder / "deeper.json"
    wrong_arch.write_text(json.dumps({**SMALL_ARCH, "depth": 3, "embed_dim": 48}))
    empty = folder / "empty"
    empty.mkdir()
    return {"ckpt": checkpoint, "arch": arch, "wrong": wrong_arch, "empty": empty,
            "seq": synthetic_sequence(folder / "seq")}  # fmt: skip


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "80"}
    command = [sys.executable, "-m", "edgetrack", "export", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(
    "case, expected",
    [
        (["--format", "tflite"], "unknown format 'tflite'"),
        (["--format", "onnx", "--precision", "int4"], "unknown precision 'int4'"),
        (["--format", "onnx", "--precision", "int8"], "--calib"),
        (["--format", "onnx", "--precision", "int8", "--calib", "{empty}"], "no sequence"),
        (["--format", "openvino", "--arch-config", "{wrong}"], "blocks.2"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(inputs, tmp_path, case, expected):
    args = [a.format(**inputs) for a in case]
    suffix = ".xml" if "openvino" in args else ".onnx"
    if "--arch-config" not in args:
        args += ["--arch-config", str(inputs["arch"])]
    done = _run(str(inputs["ckpt"]), *args, "-o", str(tmp_path / f"m{suffix}"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert expected in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_export_writes_and_prints_the_check(inputs, tmp_path):
    out = tmp_path / "m.onnx"
    done = _run(str(inputs["ckpt"]), "--format", "onnx", "--arch-config", str(inputs["arch"]),
                "--verify-source", str(inputs["seq"]), "-o", str(out), "--threads", "1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.is_file() and "fp32 parity" in done.stdout and "box IoU" in done.stdout


def test_training_checkpoint_exports_with_the_architecture_it_carries(tmp_path):
    """A checkpoint written by `edgetrack train` carries model_config: no --arch-config needed, and the
    exported metadata has that architecture (tracking settings included)."""
    import onnx
    import torch

    from edgetrack.models.config import TrackerConfig
    from edgetrack.models.ostrack import build_tracker

    arch = {**SMALL_ARCH, "min_score": 0.25}
    model = build_tracker(TrackerConfig.from_dict(arch))
    checkpoint = tmp_path / "epoch_0003.pth"
    torch.save({"net": model.state_dict(), "model_config": model.config.to_dict(), "epoch": 3}, checkpoint)
    out = tmp_path / "m.onnx"
    done = _run(str(checkpoint), "--format", "onnx", "--no-verify", "-o", str(out))
    assert done.returncode == 0, done.stderr
    meta = json.loads({p.key: p.value for p in onnx.load(str(out)).metadata_props}["edgetrack"])
    assert meta["min_score"] == 0.25 and meta["search_size"] == SMALL_ARCH["search_size"]


def test_checkpoint_without_an_architecture_is_one_line(tmp_path):
    import torch

    checkpoint = tmp_path / "bare.pth"
    torch.save({"net": {}}, checkpoint)
    done = _run(str(checkpoint), "--format", "onnx", "-o", str(tmp_path / "m.onnx"))
    assert done.returncode == 2 and "give --arch-config" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "m.onnx").exists()
