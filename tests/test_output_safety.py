"""Output files under faults: a full disk (simulated with RLIMIT_FSIZE, as `ulimit -f` does), a target
that is a folder or not writable, and hidden temporaries left by a killed run."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from cli_helpers import one_error_line, run_cli
from runtime_models import pooled_score_model
from serve_helpers import CLIP_BOX, write_clip

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


def _file_limit(limit_bytes: int):
    """A preexec_fn: RLIMIT_FSIZE for the child, as a full disk (`ulimit -f`)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))


def _track_command(args) -> list[str]:
    return [sys.executable, "-m", "edgetrack", "track", *map(str, args)]


ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def _track_with_file_limit(args, limit_bytes: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        _track_command(args), capture_output=True, text=True, preexec_fn=_file_limit(limit_bytes), env=ENV,
        timeout=120,
    )  # fmt: skip


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


def test_a_run_stopped_by_sigterm_on_a_full_disk_keeps_the_earlier_video(tmp_path, capsys):
    """A clean stop finishes the outputs; when finishing fails, the stop is no excuse: one error, exit 2."""
    clip = write_clip(tmp_path / "clip.mp4", frames=300)
    video = tmp_path / "out.mp4"
    args = [clip, "--init", ",".join(map(str, CLIP_BOX)), "--backend", "onnxruntime", "--save-video", video]
    code, _, err = run_cli(["track", *args, "--max-frames", "5"], capsys)
    assert code == 0, err
    good_video = video.read_bytes()
    process = subprocess.Popen(
        _track_command([*args, "--realtime", "--save-jsonl", "-"]), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, preexec_fn=_file_limit(4000), env=ENV,
    )  # fmt: skip
    try:
        streamed = [process.stdout.readline() for _ in range(30)]  # 30 frames tracked and written
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert all(streamed), err
    assert "cannot write video" in one_error_line(process.returncode, err)
    assert video.read_bytes() == good_video
    assert not list(tmp_path.glob(".*tmp*"))
