"""The built-in tracker that ships with edgetrack (models/builtin/, trained on synthetic data only)."""

from __future__ import annotations

from pathlib import Path

from edgetrack.errors import EdgetrackError

# models/ sits beside edgetrack/ in the repository and in site-packages (package data of `models`).
BUILTIN_MODEL = Path(__file__).resolve().parents[1] / "models" / "builtin" / "edgetrack_builtin.onnx"


def builtin_model_path() -> Path:
    """Path of the built-in ONNX tracker; a clear error if this install lacks it."""
    if not BUILTIN_MODEL.is_file():
        raise EdgetrackError(
            f"the built-in model {BUILTIN_MODEL} is missing: reinstall edgetrack or run `make builtin-model`"
        )
    return BUILTIN_MODEL


def builtin_notice() -> None:
    """One line on stderr: the built-in model is a demonstration, trained on synthetic clips only."""
    from rich.console import Console

    Console(stderr=True).print(
        "note: no --model given: using the built-in demonstration model (trained on synthetic clips only; "
        "give -m MODEL for real footage)",
        highlight=False,
        soft_wrap=True,
    )
