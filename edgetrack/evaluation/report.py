"""Tables (rich) and a JSON record of scores for one or more trackers on one dataset."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from edgetrack.evaluation.results import write_atomic
from edgetrack.evaluation.scoring import TrackerScores


def overall_table(dataset_name: str, scores: list[TrackerScores], sequences: int) -> Table:
    """One row a tracker: every protocol number in percent, and speed when times were recorded."""
    metric_names = list(scores[0].overall.metrics)
    table = Table(title=f"{dataset_name}: {sequences} sequences")
    table.add_column("tracker")
    for metric in metric_names:
        table.add_column(metric, justify="right")
    table.add_column("fps", justify="right")
    for s in scores:
        values = [f"{100 * s.overall.metrics[m]:.1f}" for m in metric_names]
        table.add_row(s.name, *values, f"{s.fps:.1f}" if s.fps else "-")
    return table


def attribute_table(dataset_name: str, scores: list[TrackerScores]) -> Table | None:
    """One row an attribute (with its number of sequences), the first protocol number per tracker."""
    attributes = sorted({a for s in scores for a in s.by_attribute})
    if not attributes:
        return None
    metric = next(iter(scores[0].overall.metrics))
    table = Table(title=f"{dataset_name}: {metric} per attribute")
    table.add_column("attribute")
    table.add_column("seqs", justify="right")
    for s in scores:
        table.add_column(s.name, justify="right")
    for attribute in attributes:
        count = next(s.by_attribute[attribute][0] for s in scores if attribute in s.by_attribute)
        cells = [
            f"{100 * s.by_attribute[attribute][1].metrics[metric]:.1f}"
            if attribute in s.by_attribute
            else "-"
            for s in scores
        ]
        table.add_row(attribute, str(count), *cells)
    return table


def write_scores_json(path: Path, dataset_name: str, scores: list[TrackerScores]) -> None:
    """Every number (overall, per attribute, per sequence) as JSON."""
    record = {
        "dataset": dataset_name,
        "trackers": {
            s.name: {
                "overall": s.overall.metrics,
                "fps": s.fps,
                "attributes": {a: {"sequences": n, **sm.metrics} for a, (n, sm) in s.by_attribute.items()},
                "sequences": s.by_sequence,
            }
            for s in scores
        },
    }
    write_atomic(path, json.dumps(record, indent=1) + "\n")
