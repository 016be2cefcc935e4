"""The real training corpus in ../shared and the rule that evaluation sequences are never trained on."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED

from edgetrack.datasets.registry import open_dataset
from edgetrack.train.config import read_yaml_with_base

ROOT = Path(__file__).resolve().parents[1]
EVALUATION_ONLY = "fixtures/sequences"
TRAINING_VERBS = ("edgetrack train", "edgetrack distill", "edgetrack pseudo-label", "$EDGETRACK train",
                  "$EDGETRACK distill", "$EDGETRACK pseudo-label")  # fmt: skip


def test_public_real_reads_through_the_got10k_reader():
    root = SHARED / "datasets" / "public-real"
    if not root.is_dir():
        pytest.skip("../shared/datasets/public-real is absent (no shared data beside the repo)")
    dataset = open_dataset("got10k_train", root)
    assert len(dataset) == 32
    frames = 0
    for name in dataset.names:
        sequence = dataset.sequence(name)
        frames += len(sequence)
        assert len(sequence.frames) == len(sequence.gt) == len(sequence.absent)
        visible = sequence.gt[sequence.visible]
        assert len(visible) > 1 and np.isfinite(visible).all() and (visible[:, 2:] > 0).all()
        assert "source_repo" in sequence.meta and "stride" in sequence.meta
    assert frames == 4868


def _dataset_roots(config: dict) -> list[str]:
    return [str(d.get("root", "")) for d in (config.get("data") or {}).get("datasets", [])]


@pytest.mark.parametrize("path", sorted((ROOT / "train" / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_no_training_config_points_at_the_evaluation_sequences(path):
    assert EVALUATION_ONLY not in path.read_text(encoding="utf-8")
    for root in _dataset_roots(read_yaml_with_base(path)):
        assert EVALUATION_ONLY not in Path(root).as_posix()


def test_no_recipe_trains_on_the_evaluation_sequences():
    """Recipes may evaluate on the shared sequences, never pass them to a training command."""
    recipes = [ROOT / "Makefile", *sorted((ROOT / "benchmarks").glob("*.sh"))]
    for recipe in recipes:
        text = recipe.read_text(encoding="utf-8").replace("\\\n", " ")
        evaluation_vars = set(re.findall(r"^(\w+)=.*" + re.escape(EVALUATION_ONLY), text, flags=re.M))
        for line in text.splitlines():
            if any(verb in line for verb in TRAINING_VERBS):
                assert EVALUATION_ONLY not in line, (recipe.name, line)
                assert not any(f"${v}" in line or f"${{{v}}}" in line for v in evaluation_vars), line
