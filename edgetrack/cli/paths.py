"""Checks of output paths given on the command line, before any work starts."""

from __future__ import annotations

import os
from pathlib import Path

from edgetrack.errors import EdgetrackError


def output_folder(path: Path, flag: str = "--output") -> Path:
    """Create folder `path` if needed; an existing file or a folder that cannot be written is an error."""
    if path.exists() and not path.is_dir():
        raise EdgetrackError(f"{flag} {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EdgetrackError(f"cannot create folder {path} ({flag}): {exc.strerror or exc}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise EdgetrackError(f"cannot write into folder {path} ({flag}): permission denied")
    return path
