"""`edgetrack distill` on bad input, the shipped configs, and the shared OSTrack fixture's stages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import need_shared

from edgetrack.errors import EdgetrackError
from edgetrack.train.distill import (
    StageProjections,
    load_distill_config,
    load_teacher,
    mixed_forward,
    prepare_distillation,
)

ROOT = Path(__file__).resolve().parents[1]


def run_distill(*args: str) -> subprocess.CompletedProcess:
    env = {"COLUMNS": "200", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "edgetrack", "distill", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_bad_input_is_one_line_and_exit_2():
    result = run_distill("--config", "train/configs/distill_synthetic_small.yaml")
    assert result.returncode == 2, result.stderr
    assert "no teacher" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "override, message",
    [
        ("distill.ce=sometimes", "distill.ce"),
        ("distill.colour=red", "unknown key 'colour'"),
        ("distill.alpha1=0.95", "alpha1"),
        ("distill.teacher=missing.pth", "missing.pth does not exist"),
    ],
)
def test_bad_settings_are_named(override, message):
    with pytest.raises(EdgetrackError, match=message):
        config, distill = load_distill_config(
            ROOT / "train" / "configs" / "distill_synthetic_small.yaml", [override]
        )
        load_teacher(distill.teacher)


@pytest.mark.parametrize(
    "name, sampler, scaling, ce",
    [
        ("compresstracker_ostrack_4block", "random", False, "none"),
        ("compresstracker_sstrack_4block", "interval", True, "stages"),
        ("distill_synthetic_small", "random", False, "stages"),
    ],
)
def test_shipped_configs_load(name, sampler, scaling, ce):
    config, distill = load_distill_config(ROOT / "train" / "configs" / f"{name}.yaml")
    assert (config.sampler.kind, config.sampler.gradient_scaling, distill.ce) == (sampler, scaling, ce)


def test_fixture_teacher_into_four_stages_with_ce_at_the_boundaries(tmp_path):
    checkpoint = need_shared("ostrack/ostrack_tiny_ce.pth.tar")
    config, distill = load_distill_config(
        ROOT / "train" / "configs" / "compresstracker_sstrack_4block.yaml", ["train.seed=1"]
    )
    teacher = load_teacher(checkpoint)  # the architecture from ostrack_tiny_ce.json beside it
    config, student, objective = prepare_distillation(config, distill, teacher)
    assert [list(s) for s in objective.teacher_stages] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert student.config.ce_loc == (1, 2, 3) and student.config.depth == 4
    student.eval()
    torch.manual_seed(0)
    template, search = torch.randn(1, 3, 128, 128), torch.randn(1, 3, 256, 256)
    mask = teacher.default_ce_mask(1)
    stages = objective.teacher_stages, objective.student_stages
    with torch.no_grad():
        reference = teacher(template, search, mask)
        mixed, outputs = mixed_forward(
            student,
            teacher,
            [False, True, False, True],
            *stages,
            StageProjections(192, 192, 4),
            template,
            search,
            mask,
        )
    assert [index.shape[1] for _, index in outputs] == [256, 180, 126, 89]
    assert mixed["score_map"].shape == reference["score_map"].shape


def test_distill_command_end_to_end(tmp_path):
    from train_helpers import TINY_MODEL, moving_square_sequence
    from typer.testing import CliRunner

    from edgetrack.cli import app
    from edgetrack.cli.commands import distill_command  # noqa: F401  (registers the verbs)
    from edgetrack.models.config import TrackerConfig
    from edgetrack.models.ostrack import build_tracker
    from edgetrack.train.evaluate import load_trained_model

    moving_square_sequence(tmp_path / "data" / "videos", "v0", 12, seed=0)
    teacher = build_tracker(TrackerConfig.from_dict({**TINY_MODEL, "depth": 4}))
    torch.save({"net": teacher.state_dict()}, tmp_path / "teacher.pth")
    (tmp_path / "teacher.json").write_text(json.dumps(teacher.config.to_dict()))
    config = tmp_path / "d.yaml"
    config.write_text(
        f"model: {{depth: 2}}\ndata: {{datasets: [{{kind: custom, root: {tmp_path / 'data' / 'videos'}}}], "
        "samples_per_epoch: 4}\ntrain: {epochs: 1, batch_size: 2, device: cpu, threads: 1}\n"
        "distill: {stages: 2}\n"
    )
    args = [
        "distill",
        "-c",
        str(config),
        "--teacher",
        str(tmp_path / "teacher.pth"),
        "-o",
        str(tmp_path / "run"),
    ]
    result = CliRunner().invoke(app, [*args, "train.lr=0.001"])
    assert result.exit_code == 0, result.output
    student = load_trained_model(tmp_path / "run" / "student.pth")
    assert student.config.depth == 2 and student.config.embed_dim == TINY_MODEL["embed_dim"]
