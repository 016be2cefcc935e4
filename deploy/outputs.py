"""Model files written atomically: into hidden temporaries beside the targets, moved onto the targets
only when everything was written. On any error the temporaries are removed and the targets untouched."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edgetrack.errors import EdgetrackError


@contextmanager
def atomic_outputs(*targets: Path) -> Iterator[list[Path]]:
    """Yield one temporary path per target (same folder, one shared stem, the target's suffix).

    Targets that share a stem get temporaries that share a stem, so an IR's .xml finds its .bin.
    On a clean exit the temporaries replace the targets in the given order; on an error they are deleted.
    """
    targets = tuple(Path(t) for t in targets)
    for target in targets:
        if not target.parent.is_dir():
            raise EdgetrackError(f"cannot write {target}: folder {target.parent} does not exist")
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    temps = [t.parent / f".{t.stem}.{token}.tmp{t.suffix}" for t in targets]
    try:
        yield temps
        missing = [str(t) for t, tmp in zip(targets, temps, strict=True) if not tmp.is_file()]
        if missing:
            raise EdgetrackError(f"nothing was written for {', '.join(missing)}")
        for target, tmp in zip(targets, temps, strict=True):
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
