"""The trainer: bit-for-bit resume, checkpoint contents, NaN stop, AMP on the CPU."""

import json

import pytest
import torch
from train_helpers import tiny_config, tiny_sources

from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.losses import LossOutput
from edgetrack.train.trainer import Trainer, TrainingDiverged, ce_keep_rate


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return tiny_sources(tmp_path_factory.mktemp("seqs"))


def _weights(trainer):
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


def test_resume_is_bit_for_bit(tmp_path, sources):
    config = tiny_config(tmp_path)
    straight = Trainer(config, tmp_path / "a", sources=sources)
    initial = _weights(straight)
    straight.fit()
    # a fresh trainer (fresh model, optimiser, RNGs) continues from the epoch-1 checkpoint
    resumed = Trainer(config, tmp_path / "b", sources=sources)
    resumed.resume(tmp_path / "a" / "checkpoints" / "epoch_0001.pth")
    assert resumed.start_epoch == 1
    resumed.fit()
    a, b = _weights(straight), _weights(resumed)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], initial[k]) for k in a)  # it did train
    log = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2, 3]
    assert log[2]["lr"] == pytest.approx(1e-4)  # step decay x0.1 at epoch 2
    assert sum(log[0]["bin_counts"]) == 8 and log[1]["q_used"] == log[0]["q_next"]


def test_checkpoint_loads_strictly_into_the_plain_model(tmp_path, sources):
    config = tiny_config(tmp_path, "train.epochs=1")
    checkpoint = Trainer(config, tmp_path / "run", sources=sources).fit()
    state = torch.load(checkpoint, weights_only=True)
    assert {"net", "epoch", "optimizer", "scheduler", "sampler", "rng"} <= set(state)
    model = build_tracker(TrackerConfig.from_dict(state["model_config"]))
    model.load_state_dict(state["net"], strict=True)
    assert not list((tmp_path / "run" / "checkpoints").glob(".*tmp"))


class NaNAfter:
    """An objective that turns the loss into NaN from a given call on."""

    def __init__(self, inner, calls):
        self.inner, self.calls = inner, calls

    def __call__(self, model, batch, kwargs):
        out = self.inner(model, batch, kwargs)
        self.calls -= 1
        if self.calls < 0:
            return LossOutput(out.per_sample * float("nan"), out.iou, out.logs)
        return out


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, sources):
    config = tiny_config(tmp_path)
    trainer = Trainer(config, tmp_path / "run", sources=sources)
    trainer.objective = NaNAfter(trainer.objective, calls=3)  # epoch 1 (2 steps) then 1 step of epoch 2
    with pytest.raises(
        TrainingDiverged, match=r"not finite at epoch 1 step 1; last good checkpoint: .*epoch_0001"
    ):
        trainer.fit()
    saved = torch.load(tmp_path / "run" / "checkpoints" / "epoch_0001.pth", weights_only=True)
    assert all(torch.isfinite(v).all() for v in saved["net"].values() if v.is_floating_point())
    assert not (tmp_path / "run" / "checkpoints" / "epoch_0002.pth").exists()


def test_bf16_autocast_on_cpu_trains_with_candidate_elimination(tmp_path, sources):
    ce = ["model.ce_loc=[1]", "model.ce_keep_ratio=0.5", "train.ce_start_epoch=0", "train.ce_warm_epoch=0"]
    amp = ["train.amp=true", "sampler.kind=random", "sampler.gradient_scaling=false"]
    config = tiny_config(tmp_path, "train.epochs=1", *amp, *ce)
    trainer = Trainer(config, tmp_path / "run", sources=sources)
    assert trainer._forward_kwargs(4, 0)["ce_keep_rate"] == 0.5
    before = _weights(trainer)
    trainer.fit()
    after = _weights(trainer)
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_ce_keep_rate_schedule():
    assert ce_keep_rate(0, 20, 80, 0.7) == 1.0
    assert ce_keep_rate(60, 20, 80, 0.7) == pytest.approx(0.85)
    assert ce_keep_rate(100, 20, 80, 0.7) == 0.7
