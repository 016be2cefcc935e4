"""OpenCV's, ffmpeg's and OpenVINO's own log lines do not come before edgetrack's error line: a damaged
video, a refused stream, a truncated ONNX read by OpenVINO (bench, track). Run as a user runs it, in a
fresh process, since the libraries read their log settings once."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from deploy_helpers import synthetic_sequence
from runtime_models import pooled_score_model

OWN_PREFIXES = ("error:", "warning:", "note:")


def _edgetrack(*args) -> tuple[int, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCV_")}
    command = [sys.executable, "-m", "edgetrack", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    return done.returncode, [line for line in done.stderr.splitlines() if line.strip()]


def _only_own_lines(code: int, lines: list[str], expected: str) -> None:
    assert code == 2, lines
    assert all(line.startswith(OWN_PREFIXES) for line in lines), lines
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], lines


@pytest.fixture
def model(tmp_path):
    return pooled_score_model(tmp_path / "m.onnx", size=0.5)


@pytest.fixture
def truncated(model, tmp_path):
    path = tmp_path / "truncated.onnx"
    path.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    return path


def test_a_damaged_video_gives_only_edgetracks_error(tmp_path, model):
    video = tmp_path / "v.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30, (64, 64))
    for k in range(20):
        writer.write(np.full((64, 64, 3), 10 * k, np.uint8))
    writer.release()
    video.write_bytes(video.read_bytes()[: video.stat().st_size // 2])  # the index (moov atom) is lost
    _only_own_lines(*_edgetrack("track", video, "-m", model, "--init", "4,4,8,8"), "cannot open video")


def test_a_refused_stream_gives_only_edgetracks_error(model):
    code, lines = _edgetrack("track", "rtsp://127.0.0.1:9/none", "-m", model, "--init", "4,4,8,8")
    _only_own_lines(code, lines, "does not open")


def test_a_truncated_onnx_read_by_openvino_gives_only_edgetracks_error(tmp_path, truncated):
    seq = synthetic_sequence(tmp_path / "seq", frames=3)
    code, lines = _edgetrack("bench", truncated, "--source", seq, "--backend", "openvino", "--runs", "1")
    _only_own_lines(code, lines, "truncated.onnx")
    code, lines = _edgetrack("track", seq, "-m", truncated, "--backend", "openvino")
    _only_own_lines(code, lines, "truncated.onnx")
