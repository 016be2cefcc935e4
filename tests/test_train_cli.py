"""`edgetrack train` command-line errors: one red line, exit code 2, nothing written."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "edgetrack", "train", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_override_is_one_line_error(tmp_path):
    result = _run(
        "--config", str(ROOT / "train/configs/sstrack_vit_tiny.yaml"), "train.epoch=3", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "unknown key 'epoch'" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_missing_dataset_root_is_one_line_error(tmp_path):
    result = _run(
        "--config",
        str(ROOT / "train/configs/sstrack_vit_tiny.yaml"),
        "train.device=cpu",
        "-o",
        str(tmp_path / "run"),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "data/lasot" in result.stderr
