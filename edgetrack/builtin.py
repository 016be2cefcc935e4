"""The built-in tracker that ships with edgetrack (package data of edgetrack.models: the repository's
models/builtin/: vitTrack's weights fine-tuned with a template cache on real footage and generated clips)."""

from __future__ import annotations

import importlib.util
import json
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


def builtin_figure() -> float | None:
    """The built-in tracker's mean success AUC on the shared real sequences, from the figures.json that
    `make builtin-model` writes beside it; None when that file is absent or unreadable."""
    if BUILTIN_MODEL is None:
        return None
    try:
        return float(json.loads((BUILTIN_MODEL.parent / "figures.json").read_text())["real_mean_auc"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def builtin_notice() -> None:
    """One line on stderr: no model was given, so the built-in tracker runs, with its measured accuracy."""
    from rich.console import Console

    auc = builtin_figure()
    figure = f"success AUC {auc:.2f} on the shared real sequences; " if auc is not None else ""
    Console(stderr=True).print(
        "note: no --model given: using the built-in tracker (vitTrack fine-tuned with a template cache; "
        f"{figure}models/builtin/MODEL_CARD.md; give -m MODEL for your own)",
        highlight=False,
        soft_wrap=True,
    )
