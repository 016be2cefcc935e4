"""CompressTracker's pieces: stage division, the replacement schedule, student initialisation, the
mixed network against the plain student and teacher, candidate elimination at stage boundaries."""

import pytest
import torch

from edgetrack.errors import EdgetrackError
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.distill import (
    DistillConfig,
    StageProjections,
    divide_stages,
    init_student_from_teacher,
    mixed_forward,
    replacement_probability,
    stage_feature_loss,
    student_model_dict,
)

SMALL = dict(embed_dim=32, num_heads=2, patch_size=16, template_size=32, search_size=64, head_channels=16)


def _blocks(stages):
    return [(s.start, s.stop - 1) for s in stages]


@pytest.mark.parametrize(
    "n, expected",
    [
        (2, [(0, 5), (6, 11)]),
        (3, [(0, 3), (4, 7), (8, 11)]),
        (4, [(0, 2), (3, 5), (6, 8), (9, 11)]),
        (6, [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11)]),
    ],
)
def test_even_stage_division(n, expected):
    assert _blocks(divide_stages(12, n)) == expected


def test_uneven_stage_division_and_bad_boundaries():
    assert _blocks(divide_stages(12, 4, [2, 6, 10])) == [(0, 1), (2, 5), (6, 9), (10, 11)]
    assert _blocks(divide_stages(12, 2, [9])) == [(0, 8), (9, 11)]
    assert _blocks(divide_stages(10, 4)) == [(0, 2), (3, 5), (6, 7), (8, 9)]  # remainder first
    for bad in ([3, 3, 9], [0, 6, 9], [3, 6, 12], [3, 6]):
        with pytest.raises(EdgetrackError):
            divide_stages(12, 4, bad)
    with pytest.raises(EdgetrackError):
        divide_stages(3, 4)


@pytest.mark.parametrize("p_init, a1, a2", [(0.5, 0.1, 0.1), (0.3, 0.2, 0.25)])
def test_replacement_probability_follows_the_formula(p_init, a1, a2):
    total = 100
    for epoch in (0, 5, 9, 10, 19, 20, 30, 50, 74, 75, 89, 90, 99):
        if epoch < a1 * total:
            expected = p_init
        elif epoch >= (1 - a2) * total:
            expected = 1.0
        else:
            expected = p_init + (1 - p_init) * (epoch - a1 * total) / ((1 - a2 - a1) * total)
        assert replacement_probability(epoch, total, p_init, a1, a2) == pytest.approx(expected)
    assert replacement_probability(10, 100) == pytest.approx(0.5)  # the ramp starts at alpha1 E
    assert replacement_probability(50, 100) == pytest.approx(0.75)
    assert replacement_probability(90, 100) == 1.0


def _pair(teacher_depth=6, student_depth=2, student_dim=32, ce_loc=(), keep=1.0, n_stages=2, ce="stages"):
    torch.manual_seed(0)
    t_cfg = TrackerConfig(depth=teacher_depth, ce_loc=ce_loc, ce_keep_ratio=keep, **SMALL)
    teacher = build_tracker(t_cfg).eval()
    t_stages = divide_stages(teacher_depth, n_stages)
    s_dict = student_model_dict(t_cfg, {"depth": student_depth, "embed_dim": student_dim}, t_stages, ce)
    s_cfg = TrackerConfig.from_dict(s_dict)
    student = build_tracker(s_cfg).eval()
    return teacher, student, t_stages, divide_stages(student_depth, n_stages)


def test_student_initialised_from_the_last_block_of_each_stage():
    teacher, student, t_stages, s_stages = _pair(teacher_depth=6, student_depth=3, n_stages=3)
    copied = init_student_from_teacher(student, teacher, t_stages, s_stages)
    t_sd, s_sd = teacher.state_dict(), student.state_dict()
    assert set(copied) == set(s_sd)
    for s_block, t_block in enumerate((1, 3, 5)):
        name = "attn.qkv.weight"
        assert torch.equal(
            s_sd[f"backbone.blocks.{s_block}.{name}"], t_sd[f"backbone.blocks.{t_block}.{name}"]
        )
    for name in ("backbone.patch_embed.proj.weight", "backbone.pos_embed_x", "box_head.conv5_size.weight"):
        assert torch.equal(s_sd[name], t_sd[name])
    init_student_from_teacher(student, teacher, t_stages, s_stages, "first")
    assert torch.equal(
        student.state_dict()["backbone.blocks.1.mlp.fc1.weight"], t_sd["backbone.blocks.2.mlp.fc1.weight"]
    )


def _inputs(batch=2):
    torch.manual_seed(1)
    return torch.randn(batch, 3, 32, 32), torch.randn(batch, 3, 64, 64)


@pytest.mark.parametrize("ce_loc, keep", [((), 1.0), ((2, 4), 0.5)])
def test_mixed_network_with_all_student_or_all_teacher_stages(ce_loc, keep):
    teacher, student, t_stages, s_stages = _pair(
        teacher_depth=6, student_depth=3, n_stages=3, ce_loc=ce_loc, keep=keep
    )
    # a differently initialised student, so that equality to one network says which one ran
    torch.manual_seed(5)
    student = build_tracker(student.config).eval()
    projections = StageProjections(32, 32, 3)
    template, search = _inputs()
    mask = teacher.default_ce_mask(2)
    with torch.no_grad():
        for plan, model in (([True] * 3, student), ([False] * 3, teacher)):
            mixed, stages = mixed_forward(
                student, teacher, plan, t_stages, s_stages, projections, template, search, mask
            )
            plain = model(template, search, mask, return_tokens=True)
            for key in ("pred_boxes", "score_map", "size_map", "offset_map", "backbone_feat"):
                assert torch.equal(mixed[key], plain[key]), key
            ends = [s[-1] for s in (s_stages if plan[0] else t_stages)]
            for (tokens, index), end in zip(stages, ends, strict=True):
                assert torch.equal(tokens, plain["aux"]["block_tokens"][end])
                assert torch.equal(index, plain["aux"]["block_search_index"][end])
        other = mixed_forward(
            student, teacher, [True, False, True], t_stages, s_stages, projections, template, search, mask
        )[0]
        assert not torch.equal(other["score_map"], mixed["score_map"])


def test_student_ce_follows_the_teacher_stage_by_stage():
    # the fixture's schedule: CE at teacher blocks 3, 6, 9 of 12, four stages of three
    t_cfg = TrackerConfig(depth=12, ce_loc=(3, 6, 9), ce_keep_ratio=0.7, **SMALL)
    stages = divide_stages(12, 4)
    s_dict = student_model_dict(t_cfg, {"depth": 4}, stages, "stages")
    assert s_dict["ce_loc"] == [1, 2, 3] and s_dict["ce_keep_ratio"] == [0.7, 0.7, 0.7]
    s_cfg = TrackerConfig.from_dict(s_dict)
    t_counts, s_counts = t_cfg.search_token_counts(), s_cfg.search_token_counts()
    assert [t_counts[s[-1]] for s in stages] == s_counts == [16, 12, 9, 7]
    assert student_model_dict(t_cfg, {"depth": 4}, stages, "none")["ce_loc"] == []
    with pytest.raises(EdgetrackError, match="more than once"):  # two CE blocks in one 1-block stage
        student_model_dict(t_cfg, {"depth": 2}, divide_stages(12, 2), "stages")


def test_feature_loss_compares_tokens_at_their_original_positions():
    lens_z, lens_x = 2, 4
    tokens = torch.arange(2 * (lens_z + 3) * 3, dtype=torch.float32).reshape(2, lens_z + 3, 3)
    index = torch.tensor([[0, 2, 3], [1, 0, 3]])
    # the same tokens in another order, described by a permuted index: no error
    perm = torch.tensor([2, 0, 1])
    shuffled = torch.cat([tokens[:, :lens_z], tokens[:, lens_z:][:, perm]], dim=1)
    assert torch.all(stage_feature_loss((shuffled, index[:, perm]), (tokens, index), lens_z, lens_x) == 0)
    moved = tokens.clone()
    moved[0, 0] += 2.0  # one template token of sample 0, off by 2 in every channel
    loss = stage_feature_loss((moved, index), (tokens, index), lens_z, lens_x)
    assert loss[0] == pytest.approx(4.0 / 5) and loss[1] == 0


def test_distill_config_defaults_match_the_paper():
    d = DistillConfig()
    assert (d.stages, d.p_init, d.alpha1, d.alpha2, d.pred_weight, d.feat_weight) == (
        4,
        0.5,
        0.1,
        0.1,
        1.0,
        0.2,
    )
    assert d.init_block == "last"


def test_a_draw_always_runs_at_least_one_student_stage():
    from edgetrack.train.distill import CompressTrackerObjective

    teacher, student, _, _ = _pair(teacher_depth=4, student_depth=2, n_stages=2)
    objective = CompressTrackerObjective(teacher, student.config, DistillConfig(stages=2, p_init=0.0), None)
    torch.manual_seed(0)
    plans = [tuple(objective.draw_plan()) for _ in range(200)]
    assert set(plans) == {(True, False), (False, True)}  # p = 0: exactly one stage, either one
    objective.probability = 1.0
    assert objective.draw_plan() == [True, True]
    objective.probability = 0.5
    counts = torch.tensor([objective.draw_plan() for _ in range(2000)], dtype=torch.float32).mean(0)
    assert torch.all((counts - (0.5 + 0.25 * 0.5)).abs() < 0.05)  # P(student) = p + (1 - p)^2 / 2
