"""Output files under faults: a full disk (simulated with RLIMIT_FSIZE, as `ulimit -f` does), a target
that is a folder or not writable, and hidden temporaries left by a killed run."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from cli_helpers import one_error_line, run_cli
from runtime_models import pooled_score_model

from edgetrack.runtime.writers import BoxTextWriter

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def noisy_frames(tmp_path) -> Path:
    """Twelve 160x160 frames of noise: an mp4v video of them is tens of kB."""
    folder = tmp_path / "frames"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for k in range(12):
        cv2.imwrite(str(folder / f"{k:03d}.png"), rng.integers(0, 255, (160, 160, 3), np.uint8))
    return folder


def _track_with_file_limit(args, limit_bytes: int) -> subprocess.CompletedProcess:
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "edgetrack", "track", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, preexec_fn=limit, env=env, timeout=120)


def test_full_disk_keeps_the_earlier_video_and_txt(tmp_path, noisy_frames, capsys):
    model = pooled_score_model(tmp_path / "m.onnx")
    video, txt = tmp_path / "v.mp4", tmp_path / "boxes.txt"
    args = [noisy_frames, "-m", model, "--init", "60,60,30,30", "--backend", "onnxruntime"]
    code, _, err = run_cli(["track", *args, "--save-video", video, "--save-txt", txt], capsys)
    assert code == 0, err
    good_video, good_txt = video.read_bytes(), txt.read_text()
    assert len(good_video) > 8000
    done = _track_with_file_limit([*args, "--save-video", video], 4000)
    assert "cannot write video" in one_error_line(done.returncode, done.stderr)
    assert "wrote" not in done.stderr
    assert video.read_bytes() == good_video
    done = _track_with_file_limit([*args, "--save-txt", txt], 100)
    assert "cannot write" in one_error_line(done.returncode, done.stderr)
    assert txt.read_text() == good_txt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boxes.txt", "frames", "m.onnx", "v.mp4"]


@pytest.mark.parametrize("target", ["folder", "/sys/edgetrack.txt", "/proc/edgetrack.mp4"])
def test_unwritable_targets_are_clear_errors(tmp_path, noisy_frames, capsys, target):
    model = pooled_score_model(tmp_path / "m.onnx")
    flag = "--save-video" if target.endswith(".mp4") else "--save-txt"
    path = tmp_path if target == "folder" else Path(target)
    code, _, err = run_cli(["track", noisy_frames, "-m", model, "--init", "60,60,30,30", flag, path], capsys)
    line = one_error_line(code, err)
    assert str(path) in line and "codec" not in line and "mp4v" not in line
    assert not list(tmp_path.glob(".*tmp*"))


def test_temporaries_of_killed_runs_are_removed_by_the_next_run(tmp_path):
    target = tmp_path / "boxes.txt"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".boxes.txt.{dead.stdout.strip()}-0123abcd.tmp.txt"
    alive = tmp_path / f".boxes.txt.{os.getpid()}-89abcdef.tmp.txt"  # a run still going: left alone
    other = tmp_path / ".other.txt.1-0123abcd.tmp.txt"
    for path in (stale, alive, other):
        path.write_text("half")
    with BoxTextWriter(target) as writer:
        writer.write((1, 2, 3, 4), 0.5)
    assert target.read_text() == "1.00,2.00,3.00,4.00,0.5000\n"
    assert not stale.exists() and alive.exists() and other.exists()
