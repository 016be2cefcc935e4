"""Distillation through the trainer: only the student learns, the teacher stays frozen and in eval
mode, projections stay out of the saved student, the saved student loads strictly."""

import json

import pytest
import torch
import yaml
from train_helpers import tiny_sources

from edgetrack.errors import EdgetrackError
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.distill import (
    CompressTrackerObjective,
    load_distill_config,
    prepare_distillation,
    run_distillation,
    save_student,
)
from edgetrack.train.evaluate import load_trained_model
from edgetrack.train.trainer import Trainer

TEACHER = dict(
    embed_dim=32,
    depth=4,
    num_heads=2,
    patch_size=16,
    template_size=32,
    search_size=64,
    head_channels=16,
    ce_loc=[2],
    ce_keep_ratio=0.5,
    drop_path_rate=0.3,  # must not act on the targets: the teacher is in eval mode
)


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return tiny_sources(tmp_path_factory.mktemp("seqs"))


@pytest.fixture(scope="module")
def teacher_checkpoint(tmp_path_factory):
    torch.manual_seed(3)
    teacher = build_tracker(TrackerConfig.from_dict(TEACHER))
    path = tmp_path_factory.mktemp("teacher") / "teacher.pth"
    torch.save({"net": teacher.state_dict(), "model_config": teacher.config.to_dict()}, path)
    return path


def _config(tmp_path, teacher, *overrides):
    text = {
        "model": {"depth": 2},
        "data": {"datasets": [{"kind": "custom"}], "samples_per_epoch": 4},
        "train": {
            "epochs": 2,
            "batch_size": 2,
            "lr": 0.001,
            "device": "cpu",
            "threads": 1,
            "ce_start_epoch": 0,
        },
        "distill": {"teacher": str(teacher), "stages": 2, "p_init": 0.5},
    }
    path = tmp_path / "distill.yaml"
    path.write_text(yaml.safe_dump(text))
    return load_distill_config(path, list(overrides))


def _teacher_state(objective):
    return {k: v.clone() for k, v in objective.teacher.state_dict().items()}


def test_a_replacement_step_updates_only_the_student(tmp_path, sources, teacher_checkpoint):
    from edgetrack.train.distill import load_teacher

    config, distill = _config(tmp_path, teacher_checkpoint)
    teacher = load_teacher(teacher_checkpoint)
    config, student, objective = prepare_distillation(config, distill, teacher)
    assert config.model["ce_loc"] == [1]  # the teacher's stage-2 CE, on the student's second block
    trainer = Trainer(config, tmp_path / "run", model=student, sources=sources, objective=objective)
    before_teacher = _teacher_state(objective)
    before_student = {k: v.clone() for k, v in student.state_dict().items()}
    optimised = {id(p) for group in trainer.optimizer.param_groups for p in group["params"]}
    assert not optimised & {id(p) for p in teacher.parameters()}
    assert objective.teacher is teacher  # held once: the replacement stages are the teacher's blocks
    trainer.fit()
    after = objective.teacher.state_dict()
    assert all(torch.equal(before_teacher[k], after[k]) for k in after)  # incl. BatchNorm running stats
    assert not objective.teacher.training and objective.training
    changed = [k for k, v in student.state_dict().items() if not torch.equal(v, before_student[k])]
    assert any("blocks" in k for k in changed) and any("box_head" in k and "running" in k for k in changed)
    assert objective.probability == pytest.approx(0.5 + 0.5 * (1 - 0.2) / (1.8 - 0.2))  # epoch 1 of 2


def test_teacher_targets_are_deterministic(tmp_path, teacher_checkpoint):
    from edgetrack.train.distill import load_teacher

    teacher = load_teacher(teacher_checkpoint)
    objective = CompressTrackerObjective(
        teacher, teacher.config, _config(tmp_path, teacher_checkpoint)[1], None
    )
    objective.train()
    template, search = torch.randn(2, 3, 32, 32), torch.randn(2, 3, 64, 64)
    first = objective.teacher(template, search)["score_map"]
    assert torch.equal(first, objective.teacher(template, search)["score_map"])  # no drop path


def test_heterogeneous_width_student_trains_and_saves_without_projections(
    tmp_path, sources, teacher_checkpoint
):
    # with SSTrack's interval sampler and gradient scaling: the two methods compose
    sstrack = ("sampler.kind=interval", "sampler.max_interval=40", "sampler.bin_width=10")
    width = ("model.embed_dim=48", "model.num_heads=3", "sampler.gradient_scaling=true")
    config, distill = _config(tmp_path, teacher_checkpoint, *width, *sstrack)
    out = tmp_path / "run"
    student_path = run_distillation(config, distill, out, sources=sources)
    state = torch.load(student_path, weights_only=True)
    assert set(state) == {"net", "model_config", "net_type", "epoch", "distilled_from"}
    assert not [k for k in state["net"] if "projection" in k or "teacher" in k or "to_student" in k]
    model = load_trained_model(student_path)  # strict load into the plain student
    assert model.config.embed_dim == 48 and model.config.depth == 2
    # the epoch checkpoint's net is the plain student too; the projections live under 'objective' for resume
    epoch = torch.load(out / "checkpoints" / "epoch_0002.pth", weights_only=True)
    build_tracker(TrackerConfig.from_dict(epoch["model_config"])).load_state_dict(epoch["net"], strict=True)
    assert epoch["objective"] and all(k.startswith("projections.") for k in epoch["objective"])
    assert not any(k.startswith("teacher.") for k in epoch["objective"])
    log = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert log[0]["q_used"] is not None and log[1]["q_used"] == log[0]["q_next"]
    # the saved student tracks with the plain model
    with torch.no_grad():
        out_maps = model(torch.randn(1, 3, 32, 32), torch.randn(1, 3, 64, 64), model.default_ce_mask(1))
    assert out_maps["score_map"].shape == (1, 1, 4, 4)


def test_resume_continues_a_distillation_bit_for_bit(tmp_path, sources, teacher_checkpoint):
    width = ("model.embed_dim=48", "model.num_heads=3", "train.checkpoint_every=1")
    config, distill = _config(tmp_path, teacher_checkpoint, *width)
    straight = torch.load(
        run_distillation(config, distill, tmp_path / "a", sources=sources), weights_only=True
    )
    config, distill = _config(tmp_path, teacher_checkpoint, *width)
    resumed_path = run_distillation(
        config, distill, tmp_path / "b", tmp_path / "a" / "checkpoints" / "epoch_0001.pth", sources
    )
    resumed = torch.load(resumed_path, weights_only=True)
    assert all(torch.equal(straight["net"][k], resumed["net"][k]) for k in straight["net"])


def test_save_student_writes_atomically(tmp_path):
    model = build_tracker(TrackerConfig.from_dict({**TEACHER, "depth": 2, "ce_loc": [1]}))
    path = save_student(model, tmp_path / "s" / "student.pth", 3, "t.pth")
    assert path.is_file() and not list(path.parent.glob(".*tmp"))
    assert TrackerConfig.load(path.with_suffix(".json")) == model.config  # export / info find it


def test_asymmetric_attention_student_distils_with_sstrack_and_splits_for_caching(
    tmp_path, sources, teacher_checkpoint
):
    # CompressTracker (teacher blocks replace student stages at random) + SSTrack's interval sampler,
    # into a student whose template attends only to itself: its template can be cached after export
    from edgetrack.models.template_cache import CachedSearchTracker, TemplateEncoder

    options = ("model.asymmetric_attention=true", "sampler.kind=interval", "sampler.max_interval=40",
               "sampler.bin_width=10", "sampler.gradient_scaling=true")  # fmt: skip
    config, distill = _config(tmp_path, teacher_checkpoint, *options)
    model = load_trained_model(run_distillation(config, distill, tmp_path / "run", sources=sources))
    assert model.config.asymmetric_attention and model.config.ce_loc == (1,)
    template, search = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        joint = model(template, search, model.default_ce_mask(1))["score_map"]
        split = CachedSearchTracker(model)(search, *TemplateEncoder(model)(template))[0]
    torch.testing.assert_close(joint, split, rtol=0, atol=1e-6)


def test_a_missing_checkpoint_is_a_one_line_error(tmp_path):
    with pytest.raises(EdgetrackError, match="does not exist"):
        load_trained_model(tmp_path / "nope.pth")
