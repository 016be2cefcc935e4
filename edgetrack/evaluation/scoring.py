"""Score result folders against a dataset with its benchmark's protocol, overall and per attribute."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgetrack.errors import EdgetrackError
from edgetrack.evaluation.results import find_box_file, read_box_runs, read_boxes, read_times
from edgetrack.metrics.protocols import Summary, protocol_for


@dataclass
class TrackerScores:
    """One tracker on one dataset: the overall summary, one per attribute, one per sequence, and speed."""

    name: str
    overall: Summary
    by_attribute: dict[str, tuple[int, Summary]] = field(default_factory=dict)
    by_sequence: dict[str, dict[str, float]] = field(default_factory=dict)
    fps: float | None = None


def score_results(dataset, names: list[str], results: Path, tracker_name: str | None = None) -> TrackerScores:
    """Score the results in folder `results` on sequences `names` of `dataset`."""
    protocol = protocol_for(dataset.protocol)
    records, attributes, by_sequence = {}, {}, {}
    frames = seconds = 0.0
    for name in names:
        sequence = dataset.sequence(name)
        try:
            if protocol.pools_runs:
                records[name] = protocol.record_runs(read_box_runs(results, name), sequence)
            else:
                records[name] = protocol.record(read_boxes(results, name), sequence)
        except ValueError as exc:
            raise EdgetrackError(f"{find_box_file(results, name)}: {exc}") from exc
        by_sequence[name] = protocol.summarise([records[name]]).metrics
        for attribute, present in sequence.attributes.items():
            if present is True:
                attributes.setdefault(attribute, []).append(name)
        times = read_times(results, name)
        if times is not None and len(times) > 1:
            frames += len(times) - 1
            seconds += float(np.sum(times[1:]))
    by_attribute = {
        attribute: (len(members), protocol.summarise([records[n] for n in members]))
        for attribute, members in sorted(attributes.items())
    }
    return TrackerScores(
        name=tracker_name or results.name,
        overall=protocol.summarise(list(records.values())),
        by_attribute=by_attribute,
        by_sequence=by_sequence,
        fps=frames / seconds if seconds > 0 else None,
    )
