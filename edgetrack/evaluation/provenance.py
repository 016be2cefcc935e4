"""Which tracker made the results in an evaluation folder: a record written before the first sequence,
so that resuming into the folder with another model (or other tracking settings) is refused instead of
silently mixing two trackers' results."""

from __future__ import annotations

import json
from pathlib import Path

from edgetrack.errors import EdgetrackError
from edgetrack.evaluation.results import write_atomic

RECORD_NAME = "tracker.json"


def check_or_record(out: Path, identity: dict, finished: list[str]) -> None:
    """Write `identity` to OUT/tracker.json, or check it against the one there.

    A folder with finished sequences but no record, or with another identity, is an EdgetrackError."""
    record = out / RECORD_NAME
    if not record.is_file():
        if finished:
            raise EdgetrackError(
                f"{out} holds results of {len(finished)} sequence(s) (e.g. {finished[0]}) but no "
                f"{RECORD_NAME} "
                "saying which model made them: use another --output folder, or delete these results"
            )
        write_atomic(record, json.dumps(identity, indent=1, sort_keys=True) + "\n")
        return
    try:
        stored = json.loads(record.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EdgetrackError(f"{record} is not a readable tracker record: {exc}") from exc
    changed = sorted(k for k in set(stored) | set(identity) if stored.get(k) != identity.get(k))
    if changed:
        what = ", ".join(f"{k} {stored.get(k)!r} -> {identity.get(k)!r}" for k in changed)
        raise EdgetrackError(
            f"{out} holds results of another tracker ({what}): resuming would mix them; "
            "use another --output folder, or delete it to start again"
        )
