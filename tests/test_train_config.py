"""Training config: YAML, dotted overrides, strict keys and types."""

from pathlib import Path

import pytest

from edgetrack.errors import EdgetrackError
from edgetrack.train.config import load_config

YAML = """
model: {embed_dim: 96, depth: 4}
data:
  datasets:
    - {kind: got10k, root: /data/got10k, ratio: 1}
    - {kind: coco, root: /data/coco, ratio: 0.5}
  samples_per_epoch: 100
sampler: {kind: interval, gradient_scaling: true}
train: {epochs: 5, lr: 0.001}
"""


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(YAML)
    return path


def test_load_and_override(config_file):
    config = load_config(
        config_file,
        [
            "train.epochs=3",
            "data.datasets.1.ratio=2",
            "model.depth=2",
            "sampler.gradient_scaling=false",
            "train.device=cpu",
        ],
    )
    assert config.train.epochs == 3 and config.train.lr == 0.001 and config.train.batch_size == 32
    assert config.data.datasets[1].ratio == 2.0 and config.data.datasets[0].root == "/data/got10k"
    assert config.model == {"embed_dim": 96, "depth": 2}
    assert config.sampler.kind == "interval" and config.sampler.gradient_scaling is False
    assert config.train.device == "cpu"


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.epoch=3", "unknown key 'epoch'"),
        ("train.epochs=three", "train.epochs: expected int"),
        ("train.amp=1", "expected true or false"),
        ("data.datasets.5.ratio=1", "not an index"),
        ("sampler.kind=curriculum", "'random' or 'interval'"),
        ("train.epochs", "key=value"),
    ],
)
def test_bad_overrides_are_one_line_errors(config_file, override, message):
    with pytest.raises(EdgetrackError, match=message):
        load_config(config_file, [override])


def test_gradient_scaling_needs_interval_sampler(config_file):
    with pytest.raises(EdgetrackError, match="gradient_scaling"):
        load_config(config_file, ["sampler.kind=random"])


def test_missing_file(tmp_path):
    with pytest.raises(EdgetrackError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_base_file_is_merged_under(tmp_path, config_file):
    child = tmp_path / "child.yaml"
    child.write_text("base: c.yaml\nsampler: {gradient_scaling: false}\ntrain: {epochs: 9}\n")
    config = load_config(child)
    assert config.train.epochs == 9 and config.train.lr == 0.001
    assert config.sampler.kind == "interval" and config.sampler.gradient_scaling is False
    assert len(config.data.datasets) == 2


SHIPPED = sorted((Path(__file__).resolve().parents[1] / "train" / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_configs_load_with_a_valid_tracker(path):
    """Every config under train/configs reads (training or distillation) and builds a valid architecture."""
    from edgetrack.models.config import TrackerConfig
    from edgetrack.train.config import read_yaml_with_base
    from edgetrack.train.distill import load_distill_config

    is_distill = "distill" in read_yaml_with_base(path)
    config = load_distill_config(path)[0] if is_distill else load_config(path)
    if not is_distill:
        TrackerConfig.from_dict(config.model, source=path.name)
    assert config.train.epochs > 0 and config.data.datasets
