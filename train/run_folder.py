"""A training run's folder: one run per folder (a new run refuses a used folder unless told to replace
it), checkpoints read with clear errors, and a resume that matches the run it continues."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import torch

from edgetrack.errors import EdgetrackError

METRICS = "metrics.jsonl"
# settings a resume may change: they do not change what is computed
RESUMABLE_CHANGES = ("data.num_workers", "train.threads", "train.device", "train.checkpoint_every")


def claim_run_folder(output: Path, resuming: bool, exist_ok: bool) -> None:
    """Refuse to start a new run in a folder that holds one, unless `exist_ok` (then its metrics and
    epoch checkpoints are removed first, so the runs never mix)."""
    checkpoints = sorted((output / "checkpoints").glob("epoch_*.pth"))
    used = (output / METRICS).is_file() or bool(checkpoints)
    if resuming or not used:
        return
    if not exist_ok:
        raise EdgetrackError(
            f"{output} already holds a training run: --resume CHECKPOINT continues it, --exist-ok replaces "
            "it, or choose another -o"
        )
    (output / METRICS).unlink(missing_ok=True)
    for path in checkpoints:
        path.unlink()


def is_intact(path: Path) -> bool:
    """True if `path` is a whole torch zip checkpoint (every member's CRC checks out)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def newest_intact(folder: Path, besides: Path) -> Path | None:
    """The newest intact epoch checkpoint in `folder` other than `besides`."""
    for path in sorted(folder.glob("epoch_*.pth"), reverse=True):
        if path.resolve() != besides.resolve() and is_intact(path):
            return path
    return None


def read_checkpoint_file(path: Path, device="cpu"):
    """What a checkpoint file holds; a missing, empty, truncated or foreign file is an EdgetrackError
    that names the newest intact checkpoint beside it."""
    if not path.is_file():
        raise EdgetrackError(f"checkpoint {path} does not exist")
    try:
        with warnings.catch_warnings():  # torch warns about a foreign pickle before failing on it
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises pickle, zip, EOF and runtime errors for damaged files
        intact = newest_intact(path.parent, path)
        hint = f"; the newest intact checkpoint there is {intact}" if intact else ""
        reason = "an empty file" if path.stat().st_size == 0 else f"{type(exc).__name__}: {_first_line(exc)}"
        raise EdgetrackError(f"{path} is not a readable training checkpoint ({reason}){hint}") from None
    return state


def load_training_state(path: Path, device) -> dict:
    """A training checkpoint's state (read_checkpoint_file), with the epoch and weights a resume needs."""
    state = read_checkpoint_file(path, device)
    if not isinstance(state, dict) or "epoch" not in state or "net" not in state:
        raise EdgetrackError(f"{path} is not a training checkpoint (no epoch and net entries)")
    return state


def config_changes(stored: dict, current: dict, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two nested config dicts, except RESUMABLE_CHANGES."""
    changes = []
    for key in sorted(set(stored) | set(current), key=str):
        name = f"{prefix}{key}"
        old, new = stored.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            changes += config_changes(old, new, f"{name}.")
        elif old != new and name not in RESUMABLE_CHANGES:
            changes.append(f"{name} {old!r} -> {new!r}")
    return changes


def truncate_metrics(output: Path, epochs_done: int) -> None:
    """Keep only the metrics of epochs up to `epochs_done` (events during later epochs go too)."""
    path = output / METRICS
    if not path.is_file():
        return
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        epoch = record.get("epoch", 0)
        if ("event" in record and epoch < epochs_done) or ("event" not in record and epoch <= epochs_done):
            kept.append(line + "\n")
    tmp = path.with_name(f".{METRICS}.tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    tmp.replace(path)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "unreadable"
