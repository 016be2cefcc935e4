"""`edgetrack track` end to end: outputs, bad input (one-line error, non-zero exit), atomic outputs,
and tracking without torch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from cli_helpers import run_cli
from runtime_models import pooled_score_model


@pytest.fixture
def model(tmp_path) -> Path:
    return pooled_score_model(tmp_path / "m.onnx", size=0.5)


@pytest.fixture
def frames(tmp_path) -> Path:
    """Five 64x64 frames with an 8 px white square at x 24+4k, y 20 (k = frame index)."""
    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(5):
        bgr = np.zeros((64, 64, 3), np.uint8)
        bgr[20:28, 24 + 4 * k : 32 + 4 * k] = 255
        cv2.imwrite(str(folder / f"{k:03d}.png"), bgr)
    return folder


def test_track_writes_one_line_per_frame_and_a_video(tmp_path, model, frames, capsys):
    txt, video = tmp_path / "out.txt", tmp_path / "out.mp4"
    args = ["track", frames, "--model", model, "--init", "24,24,8,8", "--backend", "onnxruntime"]
    code, out, err = run_cli([*args, "--save-txt", txt, "--save-video", video, "--threads", "1"], capsys)
    assert code == 0, err
    rows = np.loadtxt(txt, delimiter=",")
    assert rows.shape == (5, 5)
    np.testing.assert_allclose(rows[0], [24, 24, 8, 8, 1.0])
    # frame 1: the square (x 28..36, y 20..28) fills cell (2,1) of the crop [12,44)^2 -> centre (32,24)
    np.testing.assert_allclose(rows[1], [24, 16, 16, 16, (1 - 0.485) / 0.229], atol=1e-3)
    capture = cv2.VideoCapture(str(video))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    capture.release()
    for word in ("decode", "preprocess", "inference", "postprocess", "FPS end-to-end", "model only"):
        assert word in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "m.onnx", "out.mp4", "out.txt"]


def test_reduced_decoding_keeps_lines_in_full_frame_pixels_and_the_video_reduced(
    tmp_path, model, frames, capsys
):
    txt, video = tmp_path / "out.txt", tmp_path / "out.mp4"
    args = ["track", frames, "--model", model, "--init", "24,24,8,8", "--backend", "onnxruntime"]
    code, _, err = run_cli([*args, "--decode-reduce", "2", "--save-txt", txt, "--save-video", video], capsys)
    assert code == 0, err
    rows = np.loadtxt(txt, delimiter=",")
    assert rows.shape == (5, 5)
    np.testing.assert_allclose(rows[0], [24, 24, 8, 8, 1.0])
    # frame 1 at full size gives (24, 16, 16, 16) (the first test); at half size the crop rounds in
    # half pixels, so near that, scaled back (unscaled it would be about half of it)
    x, y, w, h = rows[1, :4]
    np.testing.assert_allclose([x + w / 2, y + h / 2], [32, 24], atol=2.5)
    assert 14 <= w <= 22 and 14 <= h <= 22
    capture = cv2.VideoCapture(str(video))
    size = (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5 and size == (32, 32)
    capture.release()


def test_max_frames_show_headless_and_skipped_frames(tmp_path, model, frames, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    (frames / "001.png").write_bytes(b"corrupt")
    txt = tmp_path / "out.txt"
    args = ["track", frames, "--model", model, "--init", "24,24,8,8", "--save-txt", txt, "--show"]
    code, _, err = run_cli([*args, "--max-frames", "3"], capsys)
    assert code == 0, err
    assert "--show ignored" in err and "skipping frame 1" in err
    rows = np.loadtxt(txt, delimiter=",")
    # frames 0, 2, 3 tracked (3 frames); the skipped frame 1 repeats the last box with score 0
    assert rows.shape == (4, 5) and rows[1, 4] == 0.0 and np.allclose(rows[1, :4], rows[0, :4])


def test_interrupted_run_keeps_the_frames_tracked_so_far(tmp_path, model, frames, capsys, monkeypatch):
    """A KeyboardInterrupt inside a frame (a second Ctrl-C) ends the run cleanly: exit 130, and the
    boxes and the video hold every frame tracked before it."""
    from edgetrack.runtime.tracker import Tracker

    calls = []

    def interrupted(self, frame):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_track(self, frame)

    real_track = Tracker.track
    monkeypatch.setattr(Tracker, "track", interrupted)
    txt, video = tmp_path / "out.txt", tmp_path / "out.mp4"
    args = [
        "track",
        frames,
        "--model",
        model,
        "--init",
        "24,24,8,8",
        "--save-txt",
        txt,
        "--save-video",
        video,
    ]
    code, _, err = run_cli(args, capsys)
    assert code == 130
    assert "tracked 3 frames" in err and "stopped: SIGINT" in err
    assert np.loadtxt(txt, delimiter=",").shape == (3, 5)  # the init frame and two tracked ones
    capture = cv2.VideoCapture(str(video))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    capture.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "m.onnx", "out.mp4", "out.txt"]


def test_boxes_stream_to_stdout_as_text_or_json_lines(tmp_path, model, frames, capsys):
    args = ["track", frames, "--model", model, "--init", "24,24,8,8", "--backend", "onnxruntime"]
    code, out, err = run_cli([*args, "--save-txt", "-", "--save-jsonl", tmp_path / "b.jsonl"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 5 and lines[0] == "24.00,24.00,8.00,8.00,1.0000"  # the table went to stderr
    assert "end-to-end" in err and "wrote" in err and "wrote -" not in err
    records = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert [r["frame"] for r in records] == [0, 1, 2, 3, 4]
    assert [f"{r['box'][0]:.2f},{r['box'][1]:.2f}" for r in records] == [line[:11] for line in lines]
    code, out, err = run_cli([*args, "--save-jsonl", "-"], capsys)
    assert code == 0 and json.loads(out.splitlines()[1])["score"] == pytest.approx(2.249, abs=1e-3)
    code, _, err = run_cli([*args, "--save-jsonl", "-", "--save-txt", "-"], capsys)
    assert code == 2 and "cannot both stream to stdout" in err


def test_min_score_keeps_the_last_box_below_it(tmp_path, model, capsys):
    folder = tmp_path / "grey"
    folder.mkdir()
    for k in range(4):  # a grey square (153: the model's peak score is about 0.50) moving right
        bgr = np.zeros((64, 64, 3), np.uint8)
        bgr[20:28, 24 + 4 * k : 32 + 4 * k] = 153
        cv2.imwrite(str(folder / f"{k:03d}.png"), bgr)
    args = ["track", folder, "--model", model, "--init", "24,24,8,8", "--save-txt", "-"]
    code, out, _ = run_cli([*args, "--min-score", "0.6"], capsys)
    assert code == 0
    rows = np.loadtxt(out.splitlines(), delimiter=",")
    assert np.allclose(rows[:, :4], [24, 24, 8, 8]) and 0.45 < rows[1, 4] < 0.55  # lost: the box stays
    code, out, _ = run_cli([*args, "--min-score", "0.4"], capsys)
    assert code == 0 and not np.allclose(np.loadtxt(out.splitlines(), delimiter=",")[1:, :4], [24, 24, 8, 8])
    code, _, err = run_cli([*args, "--min-score", "1.5"], capsys)
    assert code == 2 and "--min-score" in err


def bad_model_files(tmp_path: Path) -> dict[str, Path]:
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07garbage")
    return {
        "missing": tmp_path / "missing.onnx",
        "corrupt": corrupt,
        "misfit": pooled_score_model(tmp_path / "four.onnx", extra_output=True),
    }


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "does not exist"),
        ("corrupt", "cannot load model"),
        ("misfit", "4 outputs"),
        ("video", "cannot open video"),
        ("camera", "camera 97 does not open"),
        ("outside", "outside"),
        ("zero", "zero or negative"),
        ("negative", "zero or negative"),
        ("nan", "NaN"),
        ("no-init", "--init x,y,w,h, or pick it on the live picture with --serve [HOST:]PORT"),
        ("bad-serve", "--serve takes [HOST:]PORT"),
        ("bad-box", "four numbers"),
        ("bad-backend", "backend must be one of"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(tmp_path, model, frames, capsys, case, message):
    models = bad_model_files(tmp_path)
    source, used_model, init = frames, model, "24,24,8,8"
    if case in models:
        used_model = models[case]
    elif case == "video":
        source = tmp_path / "broken.mp4"
        source.write_bytes(b"\x00" * 4096)
    elif case == "camera":
        source = "97"
    else:
        init = {
            "outside": "70,10,8,8",
            "zero": "10,10,0,8",
            "negative": "10,10,8,-3",
            "nan": "10,10,nan,8",
            "no-init": None,
            "bad-box": "1,2,3",
            "bad-backend": "24,24,8,8",
            "bad-serve": "24,24,8,8",
        }[case]
    args = ["track", source, "--model", used_model, "--save-txt", tmp_path / "o.txt"]
    if case == "bad-backend":
        args += ["--backend", "tensorrt"]
    if case == "bad-serve":
        args += ["--serve", "localhost:http"]
    code, _, err = run_cli(args + (["--init", init] if init else []), capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], err
    assert not (tmp_path / "o.txt").exists()


NO_TORCH = textwrap.dedent(
    """
    import sys

    class NoTorch:
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ImportError("torch must not be imported by the runtime")
            return None

    sys.meta_path.insert(0, NoTorch())
    sys.argv = ["edgetrack"] + sys.argv[1:]
    from edgetrack.cli import main
    main()
    """
)


def test_tracking_never_imports_torch(tmp_path, model, frames):
    """A subprocess where any torch import fails runs the whole CLI and tracks; no traceback."""
    txt = tmp_path / "o.txt"
    args = ["track", str(frames), "--model", str(model), "--init", "24,24,8,8", "--save-txt", str(txt)]
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and len(txt.read_text().splitlines()) == 5
    # and a real error from a real process is one line, no traceback
    bad = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_TORCH,
            "track",
            str(frames),
            "--init",
            "1,1,4,4",
            "--model",
            str(tmp_path / "x.onnx"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert [line for line in bad.stderr.splitlines() if line.strip()] == [
        f"error: model file {tmp_path / 'x.onnx'} does not exist"
    ]


def test_sequence_folder_gives_the_init_box_and_the_auc(tmp_path, model, frames, capsys):
    sequence = tmp_path / "Seq"
    sequence.mkdir()
    frames.rename(sequence / "img")
    (sequence / "groundtruth_rect.txt").write_text("".join(f"{24 + 4 * k},20,8,8\n" for k in range(5)))
    txt = tmp_path / "out.txt"
    code, _, err = run_cli(["track", sequence, "--model", model, "--save-txt", txt], capsys)
    assert code == 0, err
    np.testing.assert_allclose(np.loadtxt(txt, delimiter=",")[0], [24, 20, 8, 8, 1.0])
    assert "success AUC vs ground truth (OTB convention, 5 frames)" in err
