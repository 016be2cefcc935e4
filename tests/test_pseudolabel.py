"""`edgetrack pseudo-label`: a teacher labels generated clips; the cache reads as GOT-10k train data."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from cli_helpers import run_cli_process

from edgetrack.boxes import iou_xywh
from edgetrack.datasets.registry import open_dataset
from edgetrack.synth.sequence import SyntheticSequence

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "models" / "builtin" / "edgetrack_builtin.onnx"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli_process("pseudo-label", *args)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> tuple[Path, SyntheticSequence]:
    """A 40-frame generated clip twice: as an .avi video with NAME.txt and as a frame folder with init.txt."""
    folder = tmp_path_factory.mktemp("clips")
    seq = SyntheticSequence(5, frames=40)
    (folder / "frames").mkdir()
    writer = cv2.VideoWriter(str(folder / "video.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30, seq.size)
    for i in range(len(seq)):
        bgr = cv2.cvtColor(seq.frame(i), cv2.COLOR_RGB2BGR)
        writer.write(bgr)
        cv2.imwrite(str(folder / "frames" / f"{i:04d}.png"), bgr)
    writer.release()
    box = ",".join(f"{v:.2f}" for v in seq.boxes[0])
    (folder / "video.txt").write_text(box + "\n")
    (folder / "frames" / "init.txt").write_text(box + "\n")
    return folder, seq


def test_clips_are_labelled_into_a_got10k_cache_and_resume(tmp_path, clips):
    folder, seq = clips
    cache = tmp_path / "cache"
    result = run_cli(str(folder), "--teacher", str(TEACHER), "-o", str(cache), "--min-score", "0.3")
    assert result.returncode == 0, result.stderr
    dataset = open_dataset("got10k_train", cache)
    assert sorted(dataset.names) == ["frames", "video"]
    for name in dataset.names:
        labelled = dataset.sequence(name)
        assert len(labelled) == len(seq)
        np.testing.assert_allclose(labelled.gt[0], seq.boxes[0], atol=0.01)
        # the teacher follows the generated target: mean IoU with the truth over the first 20 frames
        visible = ~np.isnan(seq.boxes[:20, 0])
        assert iou_xywh(labelled.gt[:20][visible], seq.boxes[:20][visible]).mean() > 0.5
        assert not labelled.absent[0]
    manifest = json.loads((cache / "pseudo_label.json").read_text())
    assert manifest["teacher"] == TEACHER.name and manifest["min_score"] == 0.3

    again = run_cli(str(folder), "--teacher", str(TEACHER), "-o", str(cache), "--min-score", "0.3")
    assert again.returncode == 0 and "2 clip(s) already labelled" in again.stderr


def test_threshold_marks_frames_absent(tmp_path, clips):
    folder, seq = clips
    cache = tmp_path / "strict"
    assert run_cli(str(folder), "-t", str(TEACHER), "-o", str(cache), "--min-score", "0.999").returncode == 0
    labelled = open_dataset("got10k_train", cache).sequence("video")
    assert not labelled.absent[0] and labelled.absent[1:].all()  # no peak reaches 0.999
    assert (cache / "video" / "cover.label").read_text().split()[1] == "0"


def test_cache_of_another_teacher_is_refused(tmp_path, clips, vittrack_onnx):
    folder, _ = clips
    cache = tmp_path / "cache"
    assert run_cli(str(folder), "-t", str(TEACHER), "-o", str(cache)).returncode == 0
    before = sorted(p.name for p in cache.iterdir())
    result = run_cli(str(folder), "-t", str(vittrack_onnx), "-o", str(cache))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "was made by teacher edgetrack_builtin.onnx" in result.stderr
    assert sorted(p.name for p in cache.iterdir()) == before


def test_a_clip_without_a_first_box_is_refused_before_any_work(tmp_path, clips):
    folder, seq = clips
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "video.avi").write_bytes((folder / "video.avi").read_bytes())
    result = run_cli(str(bare), "-t", str(TEACHER), "-o", str(tmp_path / "cache"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "clip video.avi has no first box" in result.stderr
    assert not (tmp_path / "cache").exists()


def test_a_clip_that_cannot_be_read_leaves_no_partial_folder(tmp_path, clips):
    folder, seq = clips
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.mp4").write_bytes(b"not a video")
    (broken / "bad.txt").write_text(",".join(f"{v:.2f}" for v in seq.boxes[0]))
    cache = tmp_path / "cache"
    result = run_cli(str(broken), "-t", str(TEACHER), "-o", str(cache))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot open video" in result.stderr
    assert sorted(p.name for p in cache.iterdir()) == ["pseudo_label.json"]  # no .partial-bad, no bad/
