"""A training run's folder: one run per folder, resumes that continue the same run (and trim the log),
damaged checkpoints and bad settings as clear errors."""

from __future__ import annotations

import json
import pickle

import pytest
from cli_helpers import one_error_line, run_cli
from train_helpers import tiny_config, tiny_sources

from edgetrack.errors import EdgetrackError
from edgetrack.train.config import load_config


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("seqs")
    tiny_sources(root)
    return root


@pytest.fixture
def config_file(tmp_path, data_root):
    tiny_config(tmp_path, data_root=data_root)
    return tmp_path / "tiny.yaml"


def _epochs(run):
    return [r["epoch"] for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())]


def _checkpoints(run):
    return sorted(p.name for p in (run / "checkpoints").glob("epoch_*.pth"))


def test_used_folder_is_refused_and_exist_ok_replaces_the_run(tmp_path, config_file, capsys):
    run = tmp_path / "run"
    code, _, err = run_cli(["train", "-c", config_file, "-o", run, "train.epochs=2"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["train", "-c", config_file, "-o", run, "train.epochs=1"], capsys)
    assert "--exist-ok" in one_error_line(code, err)
    assert _epochs(run) == [1, 2]
    code, _, err = run_cli(["train", "-c", config_file, "-o", run, "train.epochs=1", "--exist-ok"], capsys)
    assert code == 0, err
    assert _epochs(run) == [1] and _checkpoints(run) == ["epoch_0001.pth"]


def test_resume_continues_the_same_run_only(tmp_path, config_file, capsys):
    run = tmp_path / "run"
    assert run_cli(["train", "-c", config_file, "-o", run], capsys)[0] == 0
    first = run / "checkpoints" / "epoch_0001.pth"
    code, _, err = run_cli(
        ["train", "-c", config_file, "-o", run, "--resume", first, "train.lr=0.01"], capsys
    )
    assert "train.lr 0.001 -> 0.01" in one_error_line(code, err)
    code, _, err = run_cli(["train", "-c", config_file, "-o", run, "--resume", first], capsys)
    assert code == 0, err
    assert _epochs(run) == [1, 2, 3]  # the log of epochs 2 and 3 was cut at the resume, then rewritten


def test_a_setting_added_after_the_checkpoint_resumes_at_its_default_only(tmp_path, config_file, capsys):
    import torch

    run = tmp_path / "run"
    assert run_cli(["train", "-c", config_file, "-o", run, "train.epochs=2"], capsys)[0] == 0
    first = run / "checkpoints" / "epoch_0001.pth"
    state = torch.load(first, weights_only=False)
    del state["config"]["data"]["negative_probability"]  # as written before the setting existed
    torch.save(state, first)
    code, _, err = run_cli(
        [
            "train",
            "-c",
            config_file,
            "-o",
            run,
            "--resume",
            first,
            "train.epochs=2",
            "data.negative_probability=0.3",
        ],
        capsys,
    )
    assert err.count("->") == 1 and "data.negative_probability 0.0 -> 0.3" in one_error_line(code, err)
    code, _, err = run_cli(
        ["train", "-c", config_file, "-o", run, "--resume", first, "train.epochs=2"], capsys
    )
    assert code == 0, err
    assert _epochs(run) == [1, 2]


def test_damaged_checkpoints_are_clear_errors_naming_the_newest_intact(tmp_path, config_file, capsys):
    run = tmp_path / "run"
    assert run_cli(["train", "-c", config_file, "-o", run, "train.epochs=2"], capsys)[0] == 0
    latest = run / "checkpoints" / "epoch_0002.pth"
    latest.write_bytes(latest.read_bytes()[: latest.stat().st_size // 2])
    junk = {"empty": b"", "random": bytes(range(256)) * 8, "pickle": pickle.dumps(EdgetrackError("x"))}
    for name, content in junk.items():
        (tmp_path / name).write_bytes(content)
    for path in (latest, *(tmp_path / n for n in junk)):
        code, _, err = run_cli(["train", "-c", config_file, "-o", run, "--resume", path], capsys)
        line = one_error_line(code, err)
        assert "not a readable training checkpoint" in line, line
    code, _, err = run_cli(["train", "-c", config_file, "-o", run, "--resume", latest], capsys)
    assert "newest intact checkpoint there is" in err and "epoch_0001.pth" in err


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.lr=-0.001", "train.lr"),
        ("train.lr=.nan", "train.lr"),
        ("train.weight_decay=-1", "weight_decay"),
    ],
)
def test_bad_learning_settings_are_refused(tmp_path, data_root, override, message):
    with pytest.raises(EdgetrackError, match=message):
        tiny_config(tmp_path, override, data_root=data_root)


def test_exponent_without_a_dot_is_a_float(tmp_path, data_root):
    tiny_config(tmp_path, data_root=data_root)
    text = (tmp_path / "tiny.yaml").read_text().replace("lr: 0.001", "lr: 1e-3")
    (tmp_path / "tiny.yaml").write_text(text)
    assert load_config(tmp_path / "tiny.yaml").train.lr == 1e-3
    assert load_config(tmp_path / "tiny.yaml", ["train.weight_decay=5e-2"]).train.weight_decay == 0.05


def test_cuda_without_cuda_is_a_clear_error(tmp_path, config_file, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    code, _, err = run_cli(["train", "-c", config_file, "-o", tmp_path / "run", "train.device=cuda"], capsys)
    assert "CUDA is not available" in one_error_line(code, err)


def test_a_state_dict_mismatch_is_summarised_in_one_line(tmp_path, config_file, capsys):
    import torch

    run = tmp_path / "run"
    assert run_cli(["train", "-c", config_file, "-o", run, "train.epochs=1"], capsys)[0] == 0
    state = torch.load(run / "checkpoints" / "epoch_0001.pth", weights_only=True)
    state["net"] = {f"other.{k}": v for k, v in state["net"].items()}  # every key renamed
    torch.save(state, tmp_path / "renamed.pth")
    resume = ["--resume", tmp_path / "renamed.pth", "train.epochs=1"]
    code, _, err = run_cli(["train", "-c", config_file, "-o", run, *resume], capsys)
    line = one_error_line(code, err)
    assert "missing keys" in line and "unexpected keys" in line and len(line) < 600
    assert len(err.strip().splitlines()) == 1


def test_a_failed_save_leaves_neither_the_file_nor_its_temporary(tmp_path):
    from edgetrack.train.trainer import atomic_save

    target = tmp_path / "ckpt" / "epoch_0001.pth"
    with pytest.raises(Exception):  # noqa: B017 (torch raises pickling errors of several types)
        atomic_save({"net": lambda: None}, target)  # a lambda cannot be pickled
    assert list(target.parent.iterdir()) == []
