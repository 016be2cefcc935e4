"""The built-in tracker that ships with edgetrack (package data of edgetrack.models: the repository's
models/builtin/: a small student distilled from vitTrack on real footage and generated clips)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from edgetrack.errors import EdgetrackError


def _builtin_model_file() -> Path | None:
    """The built-in ONNX file inside the `edgetrack.models` package (the repository's models/, mapped
    by the packaging), found without importing that package; None when this install lacks it."""
    spec = importlib.util.find_spec("edgetrack.models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "builtin" / "edgetrack_builtin.onnx"


BUILTIN_MODEL = _builtin_model_file()


def builtin_model_path() -> Path:
    """Path of the built-in ONNX tracker; a clear error if this install lacks it."""
    if BUILTIN_MODEL is None or not BUILTIN_MODEL.is_file():
        raise EdgetrackError(
            f"the built-in model {BUILTIN_MODEL or 'edgetrack_builtin.onnx'} is missing: "
            "reinstall edgetrack or run `make builtin-model`"
        )
    return BUILTIN_MODEL


def builtin_notice() -> None:
    """One line on stderr: the built-in model is a small, fast demonstration tracker, less accurate than
    the models it was distilled from."""
    from rich.console import Console

    Console(stderr=True).print(
        "note: no --model given: using the built-in demonstration model (small and fast, success AUC 0.46 "
        "on the shared real sequences against vitTrack's 0.70; give -m MODEL for accuracy)",
        highlight=False,
        soft_wrap=True,
    )
