"""`edgetrack bench`: JSON rows (keys, types, one per model x backend x precision x threads), the
torch and OpenCV rows, and bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from deploy_helpers import synthetic_sequence
from runtime_models import pooled_score_model
from typer.testing import CliRunner

from edgetrack.cli import _register, app

TYPES = {
    "model": str, "backend": str, "precision": str, "threads": int, "model_ms_p50": float,
    "model_ms_p90": float, "model_ms_mean": float, "e2e_ms_mean": float, "e2e_ms_p50": float,
    "e2e_ms_p90": float, "e2e_fps": float, "frames": int, "auc": float, "params": int, "macs": int,
    "size_mb": float, "cpu": str, "gmacs_per_s": float, "peak_gmacs_per_s": float, "peak_fraction": float,
    "decode_ms_mean": float, "fps_with_decode": float, "cpu_model": str, "cpu_flags": list,
}  # fmt: skip


def _bench(*args: str, columns: int = 250):
    _register()
    return CliRunner().invoke(app, ["bench", *args], env={"COLUMNS": str(columns), "NO_COLOR": "1"})


@pytest.fixture
def models(tmp_path):
    meta = {"template_size": 16, "search_size": 32, "feat_size": 4, "precision": "fp32"}
    fp32 = pooled_score_model(tmp_path / "fp32.onnx", metadata=meta)
    int8 = pooled_score_model(tmp_path / "int8.onnx", metadata={**meta, "precision": "int8"})
    return fp32, int8, synthetic_sequence(tmp_path / "seq", frames=5)


def test_json_has_one_typed_row_per_combination(models, tmp_path):
    fp32, int8, seq = models
    out = tmp_path / "rows.json"
    result = _bench(str(fp32), str(int8), "--source", str(seq), "--precisions", "fp32,bf16,int8",
                    "--threads", "1,2", "--runs", "3", "--warmup", "1", "--json", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())
    combos = {(r["model"], r["backend"], r["precision"], r["threads"]) for r in rows}
    expected = {("fp32.onnx", b, "fp32", t) for b in ("onnxruntime", "openvino") for t in (1, 2)}
    expected |= {("fp32.onnx", "openvino", "bf16", t) for t in (1, 2)}  # onnxruntime has no bf16
    expected |= {("int8.onnx", b, "int8", t) for b in ("onnxruntime", "openvino") for t in (1, 2)}
    assert combos == expected and len(rows) == len(expected)
    for row in rows:
        for key, kind in TYPES.items():
            assert isinstance(row[key], kind), (key, row[key])
        assert row["frames"] == 4 and row["e2e_fps"] == pytest.approx(1e3 / row["e2e_ms_mean"])
        assert row["model_ms_p50"] <= row["model_ms_p90"]
        assert row["macs"] == 0  # pooling only: no MatMul / Conv to count
        assert row["gmacs_per_s"] == 0.0 and row["peak_fraction"] == 0.0 and row["peak_gmacs_per_s"] > 1
        assert row["fps_with_decode"] > 0 and row["decode_ms_mean"] > 0  # (timings: no bound between passes)
    peaks = {(r["threads"], r["precision"]): r["peak_gmacs_per_s"] for r in rows}
    assert peaks[(1, "int8")] > peaks[(1, "fp32")]  # the integer GEMM runs faster than the f32 one
    # every row tracked the same frames with the same (exact) model: one AUC
    assert 0 < rows[0]["auc"] <= 1 and all(r["auc"] == pytest.approx(rows[0]["auc"]) for r in rows)


def test_torch_checkpoint_gives_an_eager_row(tmp_path, single_torch_thread):
    pytest.importorskip("torch")
    from deploy_helpers import small_checkpoint

    from edgetrack.models.complexity import count_complexity
    from edgetrack.models.config import TrackerConfig
    from edgetrack.models.ostrack import build_tracker

    checkpoint, arch = small_checkpoint(tmp_path)
    seq = synthetic_sequence(tmp_path / "seq", frames=4)
    out = tmp_path / "rows.json"
    result = _bench(str(checkpoint), "--source", str(seq), "--runs", "2", "--json", str(out))
    assert result.exit_code == 0, result.output
    (row,) = json.loads(out.read_text())
    counted = count_complexity(build_tracker(TrackerConfig.load(arch)))
    assert (row["backend"], row["precision"]) == ("torch", "fp32")
    assert (row["params"], row["macs"]) == (counted.params, counted.macs)
    assert row["gmacs_per_s"] == pytest.approx(counted.macs / (row["model_ms_mean"] * 1e6))
    assert row["peak_fraction"] == pytest.approx(row["gmacs_per_s"] / row["peak_gmacs_per_s"])


def test_opencv_peer_row_on_vittrack(vittrack_onnx, otb_crossing, tmp_path):
    out = tmp_path / "rows.json"
    result = _bench(str(vittrack_onnx), "--source", str(otb_crossing), "--backends", "onnxruntime",
                    "--frames", "4", "--runs", "2", "--peer", "opencv-vit", "--json", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["backend"]: r for r in json.loads(out.read_text())}
    assert set(rows) == {"onnxruntime", "opencv-vit"}
    assert rows["opencv-vit"]["model_ms_p50"] is None and rows["opencv-vit"]["e2e_ms_p50"] > 0


def test_opencv_peer_skips_a_template_cached_model_with_a_note(vittrack_onnx, otb_crossing, tmp_path):
    from edgetrack.builtin import BUILTIN_MODEL  # two-part: its track part has no template input

    out = tmp_path / "rows.json"
    result = _bench(str(BUILTIN_MODEL), str(vittrack_onnx), "--source", str(otb_crossing),
                    "--backends", "onnxruntime", "--frames", "4", "--runs", "2", "--peer", "opencv-vit",
                    "--json", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [(r["model"].rsplit("/", 1)[-1], r["backend"]) for r in json.loads(out.read_text())]
    assert rows == [(BUILTIN_MODEL.name, "onnxruntime"), (vittrack_onnx.name, "onnxruntime"),
                    (vittrack_onnx.name, "opencv-vit")]  # fmt: skip
    assert "cv2.TrackerVit cannot run" in " ".join(result.output.split())


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--backends", "tensorrt"], "unknown backend tensorrt"),
        (["--precisions", "fp8"], "unknown precision fp8"),
        (["--threads", "0"], "--threads"),
        (["--peer", "siamfc"], "unknown peer siamfc"),
    ],
)
def test_bad_input_is_one_line(models, tmp_path, args, expected):
    fp32, _, seq = models
    out = tmp_path / "out"
    out.mkdir()
    env = {"PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "edgetrack", "bench", str(fp32), "--source", str(seq), *args,
               "--json", str(out / "rows.json")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert list(out.iterdir()) == []


def test_the_table_fits_80_columns_and_keeps_every_figure(models):
    fp32, int8, seq = models
    args = (str(fp32), str(int8), "--source", str(seq), "--precision", "fp32,int8", "--runs", "2")
    wide = _bench(*args, columns=250)
    assert wide.exit_code == 0, wide.output
    assert "FPS w/ decode" in wide.stdout and max(map(len, wide.stdout.splitlines())) > 80  # one table
    narrow = _bench(*args, columns=80)
    assert narrow.exit_code == 0, narrow.output
    lines = narrow.stdout.splitlines()
    assert max(map(len, lines)) <= 80, narrow.stdout
    numbered = [line for line in lines if re.match(r"│ [1-4] │", line)]
    assert len(numbered) == 3 * 4  # 4 rows (2 models x 2 backends), in each of the three tables
    for name in ("fp32.onnx", "int8.onnx", "onnxruntime", "openvino", "FPS w/", "AUC %", "% ", "GMAC/s"):
        assert name in narrow.stdout, name


def test_progress_ticks_name_the_row_they_time(models):
    from edgetrack import bench as b
    from edgetrack.datasets.folder import load_sequence_folder

    fp32, _, seq = models
    rows, _ = b.plan_rows([fp32], ["onnxruntime", "openvino"], ["fp32"], [1, 2], [], None)
    sequence = load_sequence_folder(seq)
    labels: dict[str, list[str]] = {}

    def recorder(phase):
        return lambda label, n: labels.setdefault(phase, []).append(label)

    b.measure_model(rows, sequence, 2, 0, recorder("model"))
    b.measure_tracking(rows, sequence, 3, recorder("e2e"))
    b.measure_with_decode(rows, sequence, 3, recorder("decode"))
    expected = {
        f"fp32.onnx {backend} fp32 {n} thr" for backend in ("onnxruntime", "openvino") for n in (1, 2)
    }
    assert {r.label for r in rows} == expected
    for phase in ("model", "e2e", "decode"):
        assert set(labels[phase]) == expected, phase
