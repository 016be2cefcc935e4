"""Evaluation metrics per benchmark convention (see docs/eval.md)."""

from edgetrack.metrics.common import (
    NORM_PRECISION_THRESHOLDS,
    PRECISION_THRESHOLDS,
    SUCCESS_THRESHOLDS,
    precision_curve,
    success_curve,
)
from edgetrack.metrics.got10k import got10k_ious, got10k_scores
from edgetrack.metrics.lasot import lasot_curves
from edgetrack.metrics.otb import otb_curves, overlaps_and_errors, precision_at, success_auc
from edgetrack.metrics.protocols import Curve, Protocol, Summary, protocol_for
from edgetrack.metrics.trackingnet import trackingnet_curves, trapezoid_area

__all__ = [
    "NORM_PRECISION_THRESHOLDS",
    "PRECISION_THRESHOLDS",
    "SUCCESS_THRESHOLDS",
    "Curve",
    "Protocol",
    "Summary",
    "got10k_ious",
    "got10k_scores",
    "lasot_curves",
    "otb_curves",
    "overlaps_and_errors",
    "precision_at",
    "precision_curve",
    "protocol_for",
    "success_auc",
    "success_curve",
    "trackingnet_curves",
    "trapezoid_area",
]
