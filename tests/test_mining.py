"""Mined targets (`edgetrack pseudo-label --propose K`): distinctive regions proposed on random frames,
followed by the teacher, with the track ended where the teacher loses them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from cli_helpers import run_cli_process

from edgetrack.boxes import iou_xywh
from edgetrack.datasets.registry import open_dataset
from edgetrack.mining import centre_surround_contrast, propose_box
from edgetrack.pseudolabel import Clip, label_clip
from edgetrack.synth.sequence import SyntheticSequence

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "models" / "builtin" / "edgetrack_builtin.onnx"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli_process("pseudo-label", *args)


def scene_with_one_object(rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 240x320 frame of grey 40-px blocks (corners all over it, most of the frame's) with one
    red-and-yellow 40x30 object: only colour contrast tells the object from the background."""
    blocks = rng.choice([70, 90, 110, 125], size=(6, 8)).astype(np.uint8)
    rgb = np.repeat(np.repeat(blocks, 40, axis=0), 40, axis=1)[..., None].repeat(3, axis=2)
    box = (200, 60, 40, 30)
    x, y, w, h = box
    rgb[y : y + h, x : x + w] = (200, 30, 30)
    rgb[y + 5 : y + 15, x + 5 : x + 20] = (240, 220, 40)
    rgb[y + 18 : y + 26, x + 25 : x + 35] = (240, 220, 40)
    return rgb, box


def test_contrast_is_high_on_an_object_and_low_on_its_background():
    rgb, box = scene_with_one_object(np.random.default_rng(0))
    bins = (rgb.astype(np.int32) * 4 >> 8) @ np.array([16, 4, 1])
    assert centre_surround_contrast(bins, box) > 0.9
    assert centre_surround_contrast(bins, (40, 120, 40, 30)) < 0.3


@pytest.mark.parametrize("seed", range(5))
def test_the_proposal_falls_on_the_one_distinctive_object(seed):
    rng = np.random.default_rng(seed)
    rgb, box = scene_with_one_object(rng)
    proposal = propose_box(rgb, rng)
    assert proposal is not None
    assert iou_xywh(np.array([proposal]), np.array([box], dtype=float))[0] > 0.2
    x, y, w, h = proposal
    assert x >= 0 and y >= 0 and x + w <= 320 and y + h <= 240


def test_a_flat_frame_gives_no_proposal():
    assert propose_box(np.full((120, 160, 3), 90, np.uint8), np.random.default_rng(0)) is None


class ScriptedTracker:
    """Stands in for the teacher: returns the scripted (box, score) per frame."""

    def __init__(self, script):
        self.script = iter(script)

    def init(self, rgb, box):
        pass

    def track(self, rgb):
        box, score = next(self.script)
        return SimpleNamespace(box=box, score=score)


def test_a_mined_track_ends_at_the_first_loss_or_change_of_scale(tmp_path):
    frames = tmp_path / "clip"
    frames.mkdir()
    for i in range(6):
        cv2.imwrite(str(frames / f"{i:04d}.jpg"), np.full((60, 80, 3), 40 * i, np.uint8))
    clip = Clip("clip", frames, (10.0, 10.0, 10.0, 10.0))
    script = [
        ((11, 10, 10, 12), 0.9),
        ((12, 10, 19, 19), 0.9),  # area x3.6: the mined track ends here
        ((12, 10, 10, 10), 0.9),  # back to size and confident, but the track has ended
        ((12, 10, 10, 10), 0.9),
        ((12, 10, 10, 10), 0.9),
    ]
    cache = tmp_path / "cache"
    cache.mkdir()
    label_clip(ScriptedTracker(script), clip, cache, 0.3, "scripted", end_on_loss=True)
    assert (cache / "clip" / "absence.label").read_text().split() == ["0", "0", "1", "1", "1", "1"]
    # without end_on_loss (a user's clip with a real first box) only the teacher's score decides
    label_clip(ScriptedTracker(script), Clip("plain", frames, clip.init_box), cache, 0.3, "scripted")
    assert (cache / "plain" / "absence.label").read_text().split() == ["0"] * 6


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory) -> Path:
    """Two generated 30-frame clips as frame folders without any box file."""
    folder = tmp_path_factory.mktemp("unlabelled")
    for seed in (5, 6):
        seq = SyntheticSequence(seed, frames=30)
        (folder / f"clip{seed}").mkdir()
        for i in range(len(seq)):
            cv2.imwrite(
                str(folder / f"clip{seed}" / f"{i:04d}.jpg"), cv2.cvtColor(seq.frame(i), cv2.COLOR_RGB2BGR)
            )
    return folder


def test_mined_clips_are_written_reproducibly_and_resume(tmp_path, unlabelled):
    args = ("--teacher", str(TEACHER), "--propose", "2", "--clip-frames", "12", "--seed", "3")
    first = run_cli(str(unlabelled), *args, "-o", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    dataset = open_dataset("got10k_train", tmp_path / "a")
    assert sorted(dataset.names) == ["clip5-m0", "clip5-m1", "clip6-m0", "clip6-m1"]
    for name in dataset.names:
        sequence = dataset.sequence(name)
        assert len(sequence) == 12 and not sequence.absent[0]
        start = int(
            (tmp_path / "a" / name / "meta_info.ini").read_text().split("first_frame: ")[1].split()[0]
        )
        assert 1 <= start <= 30 - 12 + 1
        source = cv2.imread(str(unlabelled / name.split("-")[0] / f"{start - 1:04d}.jpg"))
        written = cv2.imread(str(tmp_path / "a" / name / "00000001.jpg"))
        assert (
            np.abs(source.astype(int) - written.astype(int)).mean() < 3
        )  # the clip starts at its start frame
    manifest = json.loads((tmp_path / "a" / "pseudo_label.json").read_text())
    assert manifest["proposals"] == {"per_clip": 2, "clip_frames": 12, "seed": 3}

    again = run_cli(str(unlabelled), *args, "-o", str(tmp_path / "b"))
    for name in dataset.names:  # the same seed proposes the same targets
        a, b = ((tmp_path / run / name / "groundtruth.txt").read_text().splitlines()[0] for run in "ab")
        assert a == b
    resumed = run_cli(str(unlabelled), *args, "-o", str(tmp_path / "b"))
    assert (
        again.returncode == 0 and resumed.returncode == 0 and "4 clip(s) already labelled" in resumed.stderr
    )

    other = run_cli(str(unlabelled), *args[:-1], "4", "-o", str(tmp_path / "b"))
    assert other.returncode == 2 and "Traceback" not in other.stderr
    assert len(other.stderr.strip().splitlines()) == 1 and "target proposals" in other.stderr


def test_exclude_leaves_a_clip_out_and_names_an_unknown_one(tmp_path, unlabelled):
    args = ("--teacher", str(TEACHER), "--propose", "1", "--clip-frames", "5")
    kept = run_cli(str(unlabelled), *args, "--exclude", "clip6", "-o", str(tmp_path / "a"))
    assert kept.returncode == 0, kept.stderr
    assert open_dataset("got10k_train", tmp_path / "a").names == ["clip5-m0"]
    unknown = run_cli(str(unlabelled), *args, "--exclude", "clip7", "-o", str(tmp_path / "b"))
    assert unknown.returncode == 2 and "no clip 'clip7' to exclude" in unknown.stderr
    assert not (tmp_path / "b").exists()


def test_footage_without_texture_is_refused_before_any_work(tmp_path):
    flat = tmp_path / "flat" / "clip"
    flat.mkdir(parents=True)
    for i in range(4):
        cv2.imwrite(str(flat / f"{i:04d}.jpg"), np.full((60, 80, 3), 90, np.uint8))
    result = run_cli(
        str(flat.parent), "--teacher", str(TEACHER), "--propose", "2", "-o", str(tmp_path / "cache")
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "no target could be proposed" in result.stderr
    assert not (tmp_path / "cache").exists()
