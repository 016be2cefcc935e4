"""Success / precision plots drawn with OpenCV, which the runtime already depends on: plots work on an
edge box without matplotlib (only in the `train` extra)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgetrack.errors import EdgetrackError
from edgetrack.evaluation.scoring import TrackerScores

WIDTH, HEIGHT = 640, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 60
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
STYLES = [(), (8, 6), (2, 5)]  # solid, dashed, dotted
FONT = cv2.FONT_HERSHEY_SIMPLEX
TITLES = {
    "success": "Success plot",
    "precision": "Precision plot",
    "norm_precision": "Normalised precision plot",
}
YLABELS = {"success": "Success rate", "precision": "Precision", "norm_precision": "Normalised precision"}


def _to_px(x, y, xmax):
    px = LEFT + (np.asarray(x) / xmax) * (WIDTH - LEFT - RIGHT)
    py = HEIGHT - BOTTOM - np.asarray(y) * (HEIGHT - TOP - BOTTOM)
    return np.stack([px, py], axis=1)


def _polyline(image, points, colour, dashes):
    points = np.round(points * 16).astype(np.int32)
    if not dashes:
        cv2.polylines(image, [points], False, colour, 2, cv2.LINE_AA, shift=4)
        return
    on, off = dashes
    for a, b in zip(points[:-1], points[1:], strict=True):
        length = np.hypot(*(b - a)) / 16
        steps = max(int(length // (on + off)), 1)
        for k in range(steps):
            p = a + (b - a) * (k / steps)
            q = a + (b - a) * min((k + on / (on + off)) / steps, 1.0)
            p, q = tuple(int(v) for v in p), tuple(int(v) for v in q)
            cv2.line(image, p, q, colour, 2, cv2.LINE_AA, shift=4)


def _vertical_text(image, text: str, left: int, centre_y: int) -> None:
    """Write `text` bottom-to-top (a y-axis label) with its left edge at `left`, centred on `centre_y`."""
    (width, height), baseline = cv2.getTextSize(text, FONT, 0.5, 1)
    patch = np.full((height + baseline + 4, width + 4, 3), 255, np.uint8)
    cv2.putText(patch, text, (2, height + 2), FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    patch = cv2.rotate(patch, cv2.ROTATE_90_COUNTERCLOCKWISE)
    top = centre_y - patch.shape[0] // 2
    region = image[top : top + patch.shape[0], left : left + patch.shape[1]]
    np.minimum(region, patch, out=region)


def draw_plot(curve_name: str, dataset_name: str, scores: list[TrackerScores], legend_metric: str):
    """One plot (BGR image) of `curve_name` for every tracker, legend sorted by `legend_metric`."""
    image = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    first = scores[0].overall.curves[curve_name]
    xmax = float(first.x[-1]) or 1.0
    for k in range(11):
        gx = LEFT + k * (WIDTH - LEFT - RIGHT) / 10
        gy = TOP + k * (HEIGHT - TOP - BOTTOM) / 10
        cv2.line(image, (int(gx), TOP), (int(gx), HEIGHT - BOTTOM), (225, 225, 225), 1)
        cv2.line(image, (LEFT, int(gy)), (WIDTH - RIGHT, int(gy)), (225, 225, 225), 1)
        xlabel = f"{xmax * k / 10:g}"
        cv2.putText(image, xlabel, (int(gx) - 10, HEIGHT - BOTTOM + 18), FONT, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        ylabel = f"{1 - k / 10:.1f}"
        cv2.putText(image, ylabel, (LEFT - 32, int(gy) + 4), FONT, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.rectangle(image, (LEFT, TOP), (WIDTH - RIGHT, HEIGHT - BOTTOM), (0, 0, 0), 1)
    title = f"{TITLES.get(curve_name, curve_name)} - {dataset_name}"
    cv2.putText(image, title, (LEFT, TOP - 14), FONT, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(image, first.xlabel, (LEFT + 150, HEIGHT - 18), FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    _vertical_text(image, YLABELS.get(curve_name, "Fraction of frames"), 8, (TOP + HEIGHT - BOTTOM) // 2)
    ranked = sorted(scores, key=lambda s: -s.overall.metrics[legend_metric])
    for i, s in enumerate(ranked):
        curve = s.overall.curves[curve_name]
        colour = COLOURS[i % len(COLOURS)][::-1]
        _polyline(image, _to_px(curve.x, curve.y, xmax), colour, STYLES[(i // len(COLOURS)) % len(STYLES)])
        legend_y = TOP + 20 + 18 * i
        legend_x = WIDTH - RIGHT - 230 if curve_name == "success" else LEFT + 200
        cv2.line(image, (legend_x, legend_y - 4), (legend_x + 24, legend_y - 4), colour, 2, cv2.LINE_AA)
        text = f"[{100 * s.overall.metrics[legend_metric]:.1f}] {s.name}"
        cv2.putText(image, text, (legend_x + 30, legend_y), FONT, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return image


# which protocol number ranks the legend of each plot (index into the protocol's metric names)
LEGEND_METRIC = {"success": 0, "precision": 1, "norm_precision": 2}


def write_plots(out: Path, dataset_name: str, scores: list[TrackerScores]) -> list[Path]:
    """Write one PNG per curve the protocol reports (success.png, precision.png, ...)."""
    out.mkdir(parents=True, exist_ok=True)
    metric_names = list(scores[0].overall.metrics)
    written = []
    for curve_name in scores[0].overall.curves:
        legend_metric = metric_names[min(LEGEND_METRIC.get(curve_name, 0), len(metric_names) - 1)]
        path = out / f"{curve_name}.png"
        ok, encoded = cv2.imencode(".png", draw_plot(curve_name, dataset_name, scores, legend_metric))
        if not ok:
            raise EdgetrackError(f"cannot encode plot {path}")
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(encoded.tobytes())
        tmp.replace(path)
        written.append(path)
    return written
