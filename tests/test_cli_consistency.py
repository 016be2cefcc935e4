"""One consistent CLI: precision names, flag names, --version, flags without `<bool>`, AUC in percent."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from cli_helpers import one_error_line, run_cli
from runtime_models import pooled_score_model
from typer.testing import CliRunner

from edgetrack import __version__
from edgetrack.builtin import BUILTIN_MODEL
from edgetrack.cli import app, commands  # noqa: F401  (registers the verbs)
from edgetrack.errors import EdgetrackError
from edgetrack.precision import canonical_precision, runtime_hint

VERBS = ("bench", "demo", "distill", "eval", "export", "info", "synth", "track", "train")


def _help(verb: str) -> str:
    result = CliRunner().invoke(app, [verb, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_one_set_of_precision_names():
    assert [canonical_precision(p) for p in ("fp32", "F32", "f16", "fp16", "bf16", "int8")] == [
        "fp32", "fp32", "fp16", "fp16", "bf16", "int8"
    ]  # fmt: skip
    assert runtime_hint("fp32") == runtime_hint("f32") == "f32"
    with pytest.raises(EdgetrackError, match="int8 is a model file"):
        runtime_hint("int8")
    with pytest.raises(EdgetrackError, match="fp32, fp16, bf16, int8"):
        canonical_precision("fp8")


@pytest.mark.parametrize("precision", ["fp32", "f32"])
def test_track_takes_the_same_precision_names_as_export_and_bench(tmp_path, capsys, precision):
    model = pooled_score_model(tmp_path / "m.onnx")
    frames = np.zeros((2, 64, 64, 3), np.uint8)
    import cv2

    for k, frame in enumerate(frames):
        cv2.imwrite(str(tmp_path / f"{k}.png"), frame)
    code, _, err = run_cli(
        ["track", tmp_path / "*.png", "-m", model, "--init", "8,8,8,8", "-p", precision], capsys
    )
    assert code == 0, err
    code, _, err = run_cli(
        ["track", tmp_path / "*.png", "-m", model, "--init", "8,8,8,8", "-p", "int8"], capsys
    )
    assert "int8 is a model file" in one_error_line(code, err)


def test_the_same_flags_mean_the_same_thing():
    helps = {verb: _help(verb) for verb in VERBS}
    for verb in ("eval", "export", "synth", "train", "distill", "demo"):
        assert re.search(r"--output[,a-z-]*\s+-o", helps[verb]), verb
    for verb in ("track", "eval", "bench"):
        assert re.search(r"--model\s+-m", helps[verb]) or verb == "bench", verb
        assert re.search(r"--precision[,a-z-]*\s+-p", helps[verb]), verb
        assert re.search(r"--backend[ ,]", helps[verb]) and "--threads" in helps[verb], verb
    assert "--max-frames" in helps["track"] and "--max-frames" in helps["bench"]
    assert not re.search(r"-s\s+.*source", helps["bench"])  # -s is --sequences (eval) only
    for verb, option in (("eval", "--sequences"), ("pseudo-label", "--exclude")):  # lists of names, one way
        assert re.search(option + r"[ ,a-z-]*\s+NAME\[,NAME\.\.\.\]", _help(verb)), verb


def test_no_help_shows_a_bool_value():
    for verb in VERBS:
        text = _help(verb)
        assert "--help" in text and "<bool>" not in text, verb  # typer's own --help included
    root = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}).output
    assert "--version" in root and "<bool>" not in root


def test_synth_counts_with_count_and_eval_selects_with_sequences(tmp_path):
    assert re.search(r"--count\s+-n", _help("synth")) and "--sequences" not in _help("synth")
    assert re.search(r"--sequences\s+-s", _help("eval"))
    for args, expected in ((["-n", "2"], 2), (["--count", "1"], 1), (["--sequences", "3"], 3)):
        out = tmp_path / str(len(list(tmp_path.iterdir())))
        result = CliRunner().invoke(app, ["synth", "-o", str(out), *args, "--frames", "2", "--width", "64",
                                          "--height", "64"])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert len([d for d in (out / "val").iterdir() if d.is_dir()]) == expected, args


def test_an_unquoted_glob_gets_a_hint_to_quote_it(tmp_path, capsys):
    frames = tmp_path / "frames"
    frames.mkdir()
    for k in range(3):
        (frames / f"{k}.jpg").write_bytes(b"x")
    code, _, err = run_cli(["track", *sorted(frames.iterdir()), "--init", "1,1,4,4"], capsys)
    line = one_error_line(code, err)
    assert "got 3 files" in line and f"quote it: '{frames / '*.jpg'}'" in line
    code, _, err = run_cli(["info", tmp_path / "a.onnx", "b"], capsys)  # not files: the usual usage error
    assert code == 2 and "quote" not in err and "unexpected extra argument" in err


def test_version_flag():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"edgetrack {__version__}"


def test_demo_takes_the_track_options_and_the_builtin_model_is_announced(tmp_path, capsys):
    help_text = _help("demo")
    for option in ("--backend", "--precision", "--show", "--threads", "--model"):
        assert option in help_text, option
    import cv2

    for k in range(2):
        cv2.imwrite(str(tmp_path / f"{k}.png"), np.zeros((64, 64, 3), np.uint8))
    code, _, err = run_cli(["track", tmp_path / "*.png", "--init", "8,8,16,16", "--threads", "1"], capsys)
    assert code == 0, err
    assert err.count("no --model given: using the built-in tracker") == 1
    # the notice quotes the model card's measured figure, not a number typed into the code
    figures = json.loads((BUILTIN_MODEL.parent / "figures.json").read_text())
    assert f"success AUC {figures['real_mean_auc']:.2f} on the shared real sequences" in err


def test_builtin_notice_leaves_out_a_figure_it_cannot_read(tmp_path, monkeypatch, capsys):
    import edgetrack.builtin as builtin

    monkeypatch.setattr(builtin, "BUILTIN_MODEL", tmp_path / "edgetrack_builtin.onnx")
    (tmp_path / "figures.json").write_text("{not json")
    assert builtin.builtin_figure() is None
    builtin.builtin_notice()
    err = capsys.readouterr().err
    assert "using the built-in tracker" in err and "success AUC" not in err
    (tmp_path / "figures.json").write_text(json.dumps({"real_mean_auc": 0.6049}))
    assert builtin.builtin_figure() == pytest.approx(0.6049)
