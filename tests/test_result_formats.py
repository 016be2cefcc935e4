"""Metrics and result files as the official toolkits read them: TrackingNet's `>=` and missing rows,
GOT-10k's pooled repeated runs, OTB result names from other toolkits, and test splits scored by servers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from cli_helpers import run_cli
from eval_helpers import got10k_val

from edgetrack.datasets import open_dataset
from edgetrack.evaluation.scoring import score_results
from edgetrack.metrics import trackingnet_curves


def test_trackingnet_success_counts_iou_equal_to_the_threshold():
    gt = np.array([[0, 0, 10, 10]] * 2, float)
    pred = np.array([[0, 0, 10, 10], [0, 0, 10, 5]], float)  # frame 1: IoU exactly 0.5
    success = trackingnet_curves(pred, gt)["success"]
    assert success[10] == 1.0 and success[11] == 0.5  # threshold 0.5 passes, 0.55 does not


def test_trackingnet_missing_rows_are_failures_at_every_threshold():
    gt = np.array([[0, 0, 10, 10]] * 4, float)
    curves = trackingnet_curves(gt[:2], gt)  # the last two rows are missing
    assert curves["success"].tolist() == [0.5] * 21
    assert curves["precision"].tolist() == [0.5] * 21
    with pytest.raises(ValueError, match="5 predictions for 4"):
        trackingnet_curves(np.vstack([gt, gt[:1]]), gt)


def test_got10k_results_pool_every_run(tmp_path):
    data = got10k_val(tmp_path / "data")
    out = tmp_path / "results" / "GOT-10k_Val_000001"
    out.mkdir(parents=True)
    (out / "GOT-10k_Val_000001_001.txt").write_text("0,0,10,10\n" * 3)  # IoU 1, 1
    (out / "GOT-10k_Val_000001_002.txt").write_text("0,0,10,10\n" + "0,0,10,5\n" * 2)  # IoU 0.5, 0.5
    scores = score_results(data, data.names, tmp_path / "results")
    assert scores.overall.metrics["AO"] == pytest.approx(0.75)
    assert scores.overall.metrics["SR0.5"] == pytest.approx(0.5)  # 0.5 is not above 0.5 (got10k: >)


def _otb(root):
    for name, files in {"Jogging": ("groundtruth_rect.1.txt", "groundtruth_rect.2.txt"),
                        "Human4": ("groundtruth_rect.1.txt", "groundtruth_rect.2.txt")}.items():  # fmt: skip
        (root / name / "img").mkdir(parents=True)
        for i in range(3):
            cv2.imwrite(str(root / name / "img" / f"{i + 1:04d}.jpg"), np.zeros((40, 40, 3), np.uint8))
        for file in files:
            empty = name == "Human4" and file.endswith(".1.txt")
            (root / name / file).write_text("" if empty else "5,5,10,10\n" * 3)
    return open_dataset("otb", root)


def test_otb_reads_other_toolkits_result_names_and_skips_an_empty_ground_truth(tmp_path):
    data = _otb(tmp_path / "otb")
    assert data.names == ["Human4-2", "Jogging-1", "Jogging-2"]
    results = tmp_path / "results"
    results.mkdir()
    for alias in ("Human4-2", "Jogging_1", "Jogging.2"):
        (results / f"{alias}.txt").write_text("5,5,10,10\n" * 3)
    assert score_results(data, data.names, results).overall.metrics["AUC"] == pytest.approx(20 / 21)


def test_eval_on_a_server_scored_test_split_writes_the_submission_and_exits_0(tmp_path, capsys):
    seq = tmp_path / "test" / "GOT-10k_Test_000001"
    seq.mkdir(parents=True)
    for i in range(3):
        cv2.imwrite(str(seq / f"{i + 1:08d}.jpg"), np.zeros((40, 40, 3), np.uint8))
    (seq / "groundtruth.txt").write_text("0,0,10,10\n")
    out = tmp_path / "out"
    code, text, err = run_cli(["eval", "-d", "got10k_test", "--root", tmp_path, "--baseline", "static",
                               "-o", out], capsys)  # fmt: skip
    assert code == 0, err
    assert "evaluation server" in text
    assert len((out / seq.name / f"{seq.name}_001.txt").read_text().splitlines()) == 3
