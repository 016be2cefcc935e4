"""`edgetrack eval` keeps to its output folder and never mixes two trackers' results."""

from __future__ import annotations

import json

import pytest
from cli_helpers import one_error_line, run_cli
from eval_helpers import got10k_val

from edgetrack.datasets import open_dataset
from edgetrack.errors import EdgetrackError


def got10k_root(root, listed=None):
    got10k_val(root, listed=listed, box="1,1,10,10")
    return root


def test_list_entry_with_a_path_part_is_refused_and_nothing_is_written_outside(tmp_path, capsys):
    root = got10k_root(tmp_path / "data", listed=["../../../../" + str(tmp_path / "escaped")])
    code, _, err = run_cli(["eval", "-d", "got10k_val", "--root", root, "--baseline", "static",
                            "-o", tmp_path / "out"], capsys)  # fmt: skip
    assert "sequence name" in one_error_line(code, err)
    assert not list(tmp_path.glob("escaped*"))
    assert not list((tmp_path / "out").rglob("*.txt"))


@pytest.mark.parametrize("name", ["..", "a/b", "/abs", "x\\y", ""])
def test_every_reader_rejects_unsafe_names(tmp_path, name):
    root = got10k_root(tmp_path, listed=[name or "\x01"])
    with pytest.raises(EdgetrackError, match="sequence name"):
        len(open_dataset("got10k_val", root))


def test_resume_with_another_model_is_refused(tmp_path, capsys):
    from runtime_models import pooled_score_model

    root = got10k_root(tmp_path / "data")
    first = pooled_score_model(tmp_path / "a.onnx", size=0.5)
    second = pooled_score_model(tmp_path / "b.onnx", size=0.7)
    out = tmp_path / "out"
    common = ["eval", "-d", "got10k_val", "--root", root, "-o", out, "--backend", "onnxruntime"]
    code, text, err = run_cli([*common, "-m", first], capsys)
    assert code == 0, err
    assert json.loads((out / "tracker.json").read_text())["backend"] == "onnxruntime"
    assert "│ a " in text  # the tracker is named after the model, not the folder
    kept = (out / "GOT-10k_Val_000001" / "GOT-10k_Val_000001_001.txt").read_text()
    code, _, err = run_cli([*common, "-m", second], capsys)
    assert "another tracker" in one_error_line(code, err) and "model_sha256" in err
    assert (out / "GOT-10k_Val_000001" / "GOT-10k_Val_000001_001.txt").read_text() == kept
    code, _, err = run_cli([*common, "-m", first], capsys)  # the same model resumes
    assert code == 0 and "1 finished sequence(s) kept" in _ + err


def test_results_without_a_record_are_not_taken_over(tmp_path, capsys):
    root = got10k_root(tmp_path / "data")
    out = tmp_path / "out" / "GOT-10k_Val_000001"
    out.mkdir(parents=True)
    (out / "GOT-10k_Val_000001_001.txt").write_text("1,1,10,10\n" * 3)
    code, _, err = run_cli(["eval", "-d", "got10k_val", "--root", root, "--baseline", "static",
                            "-o", tmp_path / "out"], capsys)  # fmt: skip
    assert "which model made them" in one_error_line(code, err)


@pytest.mark.parametrize("verb", ["eval", "synth"])
def test_output_that_is_a_file_or_unwritable_is_a_clear_error(tmp_path, capsys, verb):
    root = got10k_root(tmp_path / "data")
    file_out = tmp_path / "taken"
    file_out.write_text("keep me")
    args = (
        ["eval", "-d", "got10k_val", "--root", root, "--baseline", "static"] if verb == "eval" else ["synth"]
    )
    code, _, err = run_cli([*args, "-o", file_out], capsys)
    assert "is a file" in one_error_line(code, err)
    assert file_out.read_text() == "keep me"
    code, _, err = run_cli([*args, "-o", "/proc/edgetrack-out"], capsys)
    assert "cannot" in one_error_line(code, err)
