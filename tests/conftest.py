"""Shared test fixtures. Data from ../shared is optional: tests that need it skip with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"


def need_shared(relative: str) -> Path:
    """Path to a file or folder under ../shared/fixtures, or skip the test saying what is missing."""
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(f"../shared/fixtures/{relative} is absent (no shared data beside the repo)")
    return path


@pytest.fixture
def vittrack_onnx() -> Path:
    return need_shared("models/vittrack.onnx")


@pytest.fixture
def otb_crossing() -> Path:
    return need_shared("sequences/OTB/Crossing")


@pytest.fixture
def single_torch_thread():
    """Run a torch test on one thread: on a shared 2-core runner (pytest -n 2) more threads only
    oversubscribe the cores and make small models many times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
