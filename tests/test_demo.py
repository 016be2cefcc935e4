"""`edgetrack demo` end to end with the built-in model: outputs, tracking quality on the generated
clip against a keep-the-initial-box tracker, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
from test_runtime_cli import NO_TORCH, run_cli

from edgetrack.boxes import iou_xywh
from edgetrack.builtin import BUILTIN_MODEL
from edgetrack.cli.demo import demo_clip

FRAMES, SEED = 40, 3


def mean_iou(boxes: np.ndarray, gt: np.ndarray) -> float:
    return float(np.mean(iou_xywh(boxes, gt)))


def test_builtin_model_ships():
    assert BUILTIN_MODEL.is_file() and BUILTIN_MODEL.stat().st_size > 100_000


def test_demo_follows_the_generated_target(tmp_path, capsys):
    out = tmp_path / "demo"
    code, stdout, stderr = run_cli(
        ["demo", "-o", out, "--frames", FRAMES, "--seed", SEED, "--threads", "1"], capsys
    )
    assert code in (0, None), stderr
    assert "end-to-end" in stdout and "FPS" in stdout  # the latency table
    assert str(out) in stderr
    video = cv2.VideoCapture(str(out / "tracked.mp4"))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == FRAMES
    video.release()
    rows = np.loadtxt(out / "boxes.txt", delimiter=",")
    assert rows.shape == (FRAMES, 5)
    gt = demo_clip(FRAMES, SEED).gt
    np.testing.assert_allclose(rows[0, :4], gt[0], atol=0.01)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_demo_beats_keeping_the_initial_box(tmp_path, capsys):
    out = tmp_path / "demo"
    run_cli(["demo", "-o", out, "--frames", FRAMES, "--seed", SEED, "--threads", "1"], capsys)
    rows = np.loadtxt(out / "boxes.txt", delimiter=",")
    gt = demo_clip(FRAMES, SEED).gt
    tracked, kept = mean_iou(rows[1:, :4], gt[1:]), mean_iou(np.repeat(gt[:1], FRAMES - 1, axis=0), gt[1:])
    assert tracked > kept + 0.2, (tracked, kept)


def test_demo_video_without_ground_truth_needs_init(tmp_path, capsys):
    clip = demo_clip(5, SEED)
    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (320, 240))
    for frame in clip.frames:
        writer.write(frame[..., ::-1])
    writer.release()
    code, _, stderr = run_cli(["demo", "--source", path, "-o", tmp_path / "out"], capsys)
    assert code == 2 and "--init" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out" / "tracked.mp4").exists()
    x, y, w, h = clip.gt[0]
    code, _, stderr = run_cli(
        ["demo", "--source", path, "--init", f"{x},{y},{w},{h}", "-o", tmp_path / "out", "--threads", "1"],
        capsys,
    )
    assert code in (0, None), stderr
    assert np.loadtxt(tmp_path / "out" / "boxes.txt", delimiter=",").shape == (5, 5)


def test_demo_never_imports_torch(tmp_path):
    """The demo runs in a process where any torch import fails."""
    args = ["demo", "-o", str(tmp_path), "--frames", "5", "--threads", "1"]
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "boxes.txt").read_text().splitlines()) == 5
