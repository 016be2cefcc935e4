"""Reading the text files users hand to edgetrack (ground truth, results, lists) with clear errors."""

from __future__ import annotations

from pathlib import Path

from edgetrack.errors import EdgetrackError


def read_text(path: Path | str) -> str:
    """A UTF-8 text file's content; a file in another encoding (or binary) is an EdgetrackError naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EdgetrackError(
            f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})"
        ) from None
    except OSError as exc:
        raise EdgetrackError(f"cannot read {path}: {exc.strerror or exc}") from None
