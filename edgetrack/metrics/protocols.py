"""Evaluation protocols: how one benchmark turns predictions into per-sequence records and records into
the numbers and curves its toolkit reports. `protocol_for(name)` picks one by name."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edgetrack.errors import EdgetrackError
from edgetrack.metrics.common import (
    NORM_PRECISION_THRESHOLDS,
    PRECISION_THRESHOLDS,
    SUCCESS_THRESHOLDS,
    mean_nonzero_curves,
)
from edgetrack.metrics.got10k import AO_THRESHOLDS, got10k_ious, got10k_scores
from edgetrack.metrics.lasot import lasot_curves
from edgetrack.metrics.otb import otb_curves
from edgetrack.metrics.trackingnet import (
    TN_NORM_PRECISION_X,
    TN_PRECISION_X,
    TN_SUCCESS_X,
    trackingnet_curves,
    trapezoid_area,
)


@dataclass
class Curve:
    """One plot: its x axis label, x values and y values."""

    xlabel: str
    x: np.ndarray
    y: np.ndarray


@dataclass
class Summary:
    """What a protocol reports for a set of sequences: named numbers (fractions) and curves to plot."""

    metrics: dict[str, float]
    curves: dict[str, Curve] = field(default_factory=dict)


THREE_CURVES = ("success", "precision", "norm_precision")
OVERLAP = "Overlap threshold"
PIXELS = "Location error threshold (px)"
NORMALISED = "Normalised location error threshold"


class Protocol:
    """Base class: `record(pred, sequence)` for one sequence, `summarise(records)` for a set."""

    name = ""
    metric_names: tuple[str, ...] = ()
    pools_runs = False  # True: `record_runs` takes every run of a sequence (GOT-10k's _001, _002, ...)

    def record(self, pred: np.ndarray, sequence) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def summarise(self, records: list[dict[str, np.ndarray]]) -> Summary:
        raise NotImplementedError


class OTBProtocol(Protocol):
    """MATLAB OTB toolkit: mean of per-sequence curves; AUC and precision at 20 px."""

    name = "otb"
    metric_names = ("AUC", "P@20")

    def record(self, pred, sequence):
        return otb_curves(pred, sequence.gt)

    def summarise(self, records):
        success = mean_nonzero_curves([r["success"] for r in records])
        precision = mean_nonzero_curves([r["precision"] for r in records])
        return Summary(
            {"AUC": float(success.mean()), "P@20": float(precision[20])},
            {
                "success": Curve(OVERLAP, SUCCESS_THRESHOLDS, success),
                "precision": Curve(PIXELS, PRECISION_THRESHOLDS, precision),
            },
        )


class LaSOTProtocol(Protocol):
    """LaSOT toolkit: absent frames removed but counted in the denominator; AUC, P@20, NP@0.2."""

    name = "lasot"
    metric_names = ("AUC", "P@20", "NP@0.2")

    def record(self, pred, sequence):
        return lasot_curves(pred, sequence.gt, sequence.absent)

    def summarise(self, records):
        curves = {k: mean_nonzero_curves([r[k] for r in records]) for k in THREE_CURVES}
        return Summary(
            {
                "AUC": float(curves["success"].mean()),
                "P@20": float(curves["precision"][20]),
                "NP@0.2": float(curves["norm_precision"][20]),
            },
            {
                "success": Curve(OVERLAP, SUCCESS_THRESHOLDS, curves["success"]),
                "precision": Curve(PIXELS, PRECISION_THRESHOLDS, curves["precision"]),
                "norm_precision": Curve(NORMALISED, NORM_PRECISION_THRESHOLDS, curves["norm_precision"]),
            },
        )


class GOT10kProtocol(Protocol):
    """got10k toolkit: IoUs of frames 1.. with cover > 0, pooled over all sequences."""

    name = "got10k"
    metric_names = ("AO", "SR0.5", "SR0.75")
    pools_runs = True

    def record_runs(self, runs, sequence):
        """The toolkit's rule for repeated runs: every run's IoUs join the pool."""
        return {"ious": np.concatenate([self.record(pred, sequence)["ious"] for pred in runs])}

    def record(self, pred, sequence):
        if len(sequence.gt) < 2:
            raise EdgetrackError(
                f"{sequence.name}: only the first box is public (GOT-10k test): submit the results to the "
                "evaluation server instead"
            )
        resolution = sequence.meta.get("resolution") or sequence.frame_size()
        return {"ious": got10k_ious(pred, sequence.gt, sequence.cover, resolution)}

    def summarise(self, records):
        scores = got10k_scores([r["ious"] for r in records])
        return Summary(
            {k: scores[k] for k in self.metric_names},
            {"success": Curve(OVERLAP, AO_THRESHOLDS, scores["curve"])},
        )


class TrackingNetProtocol(Protocol):
    """TrackingNet devkit: per-sequence 21-point curves averaged; numbers are trapezoidal areas."""

    name = "trackingnet"
    metric_names = ("Success", "Precision", "Norm.Prec")

    def record(self, pred, sequence):
        if len(sequence.gt) < 2:
            raise EdgetrackError(
                f"{sequence.name}: only the first box is public (TrackingNet test): submit the results to "
                "the evaluation server instead"
            )
        return trackingnet_curves(pred, sequence.gt)

    def summarise(self, records):
        curves = {k: np.mean([r[k] for r in records], axis=0) for k in THREE_CURVES}
        return Summary(
            {
                "Success": trapezoid_area(curves["success"]),
                "Precision": trapezoid_area(curves["precision"]),
                "Norm.Prec": trapezoid_area(curves["norm_precision"]),
            },
            {
                "success": Curve(OVERLAP, TN_SUCCESS_X, curves["success"]),
                "precision": Curve(PIXELS, TN_PRECISION_X, curves["precision"]),
                "norm_precision": Curve(NORMALISED, TN_NORM_PRECISION_X, curves["norm_precision"]),
            },
        )


PROTOCOLS = {p.name: p for p in (OTBProtocol, LaSOTProtocol, GOT10kProtocol, TrackingNetProtocol)}


def protocol_for(name: str) -> Protocol:
    """The protocol registered under `name` (otb, lasot, got10k, trackingnet)."""
    try:
        return PROTOCOLS[name]()
    except KeyError as exc:
        raise EdgetrackError(f"unknown evaluation protocol {name!r}; known: {', '.join(PROTOCOLS)}") from exc
