"""`edgetrack eval`: resume after an interruption, result formats, and scoring result folders."""

import cv2
import numpy as np
import pytest
from conftest import need_shared
from typer.testing import CliRunner

from edgetrack.cli import (
    app,
    commands,  # noqa: F401  (registers the verbs)
)
from edgetrack.datasets import open_dataset
from edgetrack.errors import EdgetrackError
from edgetrack.evaluation import runner
from edgetrack.evaluation.results import box_file
from edgetrack.evaluation.scoring import score_results
from edgetrack.evaluation.trackers import StaticTrackerFactory


def _custom_root(tmp_path, names=("a", "b")):
    for name in names:
        seq = tmp_path / "data" / name
        seq.mkdir(parents=True)
        for i in range(4):
            cv2.imwrite(str(seq / f"{i:04d}.jpg"), np.full((40, 40, 3), 60 * i, np.uint8))
        (seq / "groundtruth.txt").write_text("".join(f"{2 + i},2,10,10\n" for i in range(4)))
    return tmp_path / "data"


def test_resume_skips_finished_sequences(tmp_path, monkeypatch):
    data = open_dataset("custom", _custom_root(tmp_path))
    out = tmp_path / "out"
    calls = []
    original = runner.evaluate_sequence

    def interrupted(factory, sequence, out_dir, fmt):
        if calls:
            raise KeyboardInterrupt
        calls.append(sequence.name)
        return original(factory, sequence, out_dir, fmt)

    monkeypatch.setattr(runner, "evaluate_sequence", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run_evaluation(StaticTrackerFactory(), data, data.names, out)
    assert box_file(out, "a", "txt").is_file() and not box_file(out, "b", "txt").exists()
    assert not list(out.glob(".*.tmp"))
    finished = box_file(out, "a", "txt").stat().st_mtime_ns
    monkeypatch.setattr(runner, "evaluate_sequence", original)
    runs, skipped = runner.run_evaluation(StaticTrackerFactory(), data, data.names, out)
    assert skipped == ["a"] and [r.name for r in runs] == ["b"]
    assert box_file(out, "a", "txt").stat().st_mtime_ns == finished


def test_static_baseline_scores_match_hand_computation(tmp_path):
    data = open_dataset("custom", _custom_root(tmp_path, ("a",)))
    out = tmp_path / "out"
    runner.run_evaluation(StaticTrackerFactory(), data, data.names, out)
    # target moves 1 px a frame, the baseline stays: IoUs 1, 90/110, 80/120, 70/130.
    ious = np.array([1, 90 / 110, 80 / 120, 70 / 130])
    thresholds = np.linspace(0, 1, 21)
    expected = (ious[None] > thresholds[:, None]).mean(axis=1).mean()
    scores = score_results(data, data.names, out)
    assert scores.overall.metrics["AUC"] == pytest.approx(expected)
    assert scores.overall.metrics["P@20"] == 1.0


def test_got10k_result_layout(tmp_path):
    seq = tmp_path / "val" / "GOT-10k_Val_000001"
    seq.mkdir(parents=True)
    for i in range(3):
        cv2.imwrite(str(seq / f"{i + 1:08d}.jpg"), np.zeros((30, 30, 3), np.uint8))
    (seq / "groundtruth.txt").write_text("1,1,10,10\n" * 3)
    (seq / "absence.label").write_text("0\n0\n0\n")
    (seq / "cover.label").write_text("8\n8\n8\n")
    data = open_dataset("got10k_val", tmp_path)
    runner.run_evaluation(StaticTrackerFactory(), data, data.names, tmp_path / "out")
    assert (tmp_path / "out" / seq.name / f"{seq.name}_001.txt").is_file()
    assert (tmp_path / "out" / seq.name / f"{seq.name}_time.txt").is_file()
    assert score_results(data, data.names, tmp_path / "out").overall.metrics["AO"] == 1.0


def test_results_mode_scores_folders_side_by_side(tmp_path):
    root = _custom_root(tmp_path)
    cli = CliRunner()
    static = tmp_path / "static"
    assert (
        cli.invoke(
            app, ["eval", "--baseline", "static", "-d", "custom", "--root", str(root), "-o", str(static)]
        ).exit_code
        == 0
    )
    perfect = tmp_path / "perfect"
    perfect.mkdir()
    for name in ("a", "b"):
        (perfect / f"{name}.txt").write_text((root / name / "groundtruth.txt").read_text())
    report = tmp_path / "report"
    result = cli.invoke(
        app,
        [
            "eval",
            "--results",
            str(static),
            str(perfect),
            "-d",
            "custom",
            "--root",
            str(root),
            "-o",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "static" in result.output and "perfect" in result.output and "95.2" in result.output
    assert (report / "success.png").is_file() and (report / "precision.png").is_file()


def test_corrupt_frame_is_replaced_and_reported(tmp_path):
    root = _custom_root(tmp_path, ("a",))
    (root / "a" / "0002.jpg").write_bytes(b"not a jpeg")
    data = open_dataset("custom", root)
    run = runner.evaluate_sequence(StaticTrackerFactory(), data[0], tmp_path / "out", "txt")
    assert run.corrupt == [str(root / "a" / "0002.jpg")]
    (root / "a" / "0003.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(EdgetrackError, match="unreadable frames"):
        runner.evaluate_sequence(StaticTrackerFactory(), data[0], tmp_path / "out2", "txt")


def test_vittrack_on_shared_sequences(tmp_path):
    model = need_shared("models/vittrack.onnx")
    root = need_shared("sequences")
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--model",
            str(model),
            "-d",
            "folder",
            "--root",
            str(root),
            "-s",
            "Crossing",
            "-o",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert score_results(open_dataset("folder", root), ["Crossing"], tmp_path).overall.metrics["AUC"] > 0.5
