"""Faults that used to end in a traceback (or a misleading message) and are now one clear error or a
warning: non-UTF-8 files, markup-like text in errors, camera indices, bad first frames and boxes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from cli_helpers import one_error_line, run_cli
from runtime_models import pooled_score_model


@pytest.fixture
def model(tmp_path):
    return pooled_score_model(tmp_path / "m.onnx", size=0.5)


def _sequence(folder, count=4, size=(64, 64), gt_first="24,24,8,8"):
    (folder / "img").mkdir(parents=True)
    for k in range(count):
        cv2.imwrite(str(folder / "img" / f"{k:04d}.png"), np.full((*size, 3), 40 * k, np.uint8))
    (folder / "groundtruth.txt").write_text(gt_first + "\n" + "24,24,8,8\n" * (count - 1))
    return folder


def test_non_utf8_ground_truth_is_a_clear_error(tmp_path, model, capsys):
    seq = _sequence(tmp_path / "seq")
    (seq / "groundtruth.txt").write_bytes(b"24,24,8,8\n\xff\xfe,1,1,1\n" + b"1,1,1,1\n" * 2)
    code, _, err = run_cli(["track", seq, "-m", model], capsys)
    assert "is not UTF-8 text" in one_error_line(code, err) and "groundtruth.txt" in err


def test_non_utf8_result_file_is_a_clear_error(tmp_path, capsys):
    _sequence(tmp_path / "data" / "seq")
    results = tmp_path / "results"
    results.mkdir()
    (results / "seq.txt").write_bytes(b"\x80\x81\n")
    code, _, err = run_cli(["eval", "-d", "custom", "--root", tmp_path / "data", "--results", results,
                            "-o", tmp_path / "out"], capsys)  # fmt: skip
    assert "is not UTF-8 text" in one_error_line(code, err)


def test_error_text_with_brackets_is_printed_as_is(tmp_path, model, capsys):
    _sequence(tmp_path / "data" / "seq", gt_first="nan,nan,nan,nan")
    code, _, err = run_cli(["eval", "-d", "custom", "--root", tmp_path / "data", "--baseline", "static",
                            "-o", tmp_path / "out"], capsys)  # fmt: skip
    assert "[nan nan nan nan]" in one_error_line(code, err)
    code, _, err = run_cli(["track", tmp_path / "[bold]x[/bold]", "-m", model], capsys)
    assert "[bold]x[/bold]" in one_error_line(code, err)


def test_huge_camera_index_is_a_clear_error(model, capsys):
    code, _, err = run_cli(["track", "99999999999999999999", "-m", model, "--init", "1,1,5,5"], capsys)
    assert "out of range" in one_error_line(code, err)


def test_init_overrides_an_invalid_first_ground_truth_box(tmp_path, model, capsys):
    seq = _sequence(tmp_path / "seq", gt_first="nan,nan,nan,nan")
    code, _, err = run_cli(["track", seq, "-m", model], capsys)
    assert "--init" in one_error_line(code, err)
    txt = tmp_path / "out.txt"
    code, _, err = run_cli(["track", seq, "-m", model, "--init", "24,24,8,8", "--save-txt", txt], capsys)
    assert code == 0, err
    assert len(txt.read_text().splitlines()) == 4


def test_undecodable_first_frame_is_reported_and_lines_stay_aligned(tmp_path, model, capsys):
    seq = _sequence(tmp_path / "seq")
    (seq / "img" / "0000.png").write_bytes(b"not an image")
    txt = tmp_path / "out.txt"
    code, _, err = run_cli(["track", seq, "-m", model, "--save-txt", txt], capsys)
    assert code == 0, err
    assert "cannot decode" in err and "0000.png" in err
    rows = np.loadtxt(txt, delimiter=",")
    assert rows.shape == (4, 5)
    np.testing.assert_allclose(rows[0], [24, 24, 8, 8, 0.0])  # frame 0: no image, score 0
    np.testing.assert_allclose(rows[1], [24, 24, 8, 8, 1.0])  # frame 1: the init frame


def test_frames_of_different_sizes_warn_and_the_video_keeps_every_frame(tmp_path, model, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    for k, size in enumerate([(64, 64), (64, 64), (96, 80), (64, 64)]):
        cv2.imwrite(str(folder / f"{k}.png"), np.zeros((*size, 3), np.uint8))
    video = tmp_path / "v.mp4"
    code, _, err = run_cli(
        ["track", folder, "-m", model, "--init", "20,20,8,8", "--save-video", video], capsys
    )
    assert code == 0, err
    assert "warning:" in err and "80x96" in err and err.count("sizes differ") == 1
    capture = cv2.VideoCapture(str(video))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 4


def test_bench_on_a_truncated_onnx_is_a_clear_error(tmp_path, model, capsys):
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    seq = _sequence(tmp_path / "seq")
    code, _, err = run_cli(["bench", truncated, "--source", seq, "--runs", "1", "--warmup", "0"], capsys)
    assert "truncated.onnx" in one_error_line(code, err)
