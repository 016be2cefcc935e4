"""The picture the live page shows: the frame with the box, the score, the FPS and the per-stage
latency drawn on it, as JPEG."""

from __future__ import annotations

import cv2
import numpy as np

from edgetrack.runtime.tracker import STAGES
from edgetrack.runtime.writers import BOX_COLOR_RGB

JPEG_QUALITY = 80
TEXT_BGR = (255, 255, 255)
STRIP_BGR = (24, 24, 24)
FONT = cv2.FONT_HERSHEY_SIMPLEX
SHORT_NAMES = {"preprocess": "pre", "inference": "infer", "postprocess": "post"}


def status_text(record: dict) -> str:
    """One line for the picture: what the tracker does, its score, FPS and stage times."""
    parts = [f"frame {record['frame']}"]
    if record["box"] is None:
        parts.append("drag a box to start tracking")
    else:
        parts.append(f"score {record['score']:.2f}")
        if record.get("fps"):
            parts.append(f"{record['fps']:.0f} FPS")
        ms = record.get("ms") or {}
        parts += [f"{SHORT_NAMES[stage]} {ms[stage]:.1f}ms" for stage in STAGES if stage in ms]
    if record["state"] == "paused":
        parts.append("PAUSED")
    return "  ".join(parts)


def render_jpeg(frame_rgb: np.ndarray, record: dict) -> bytes:
    """The annotated frame (box, score, status line) encoded as JPEG."""
    bgr = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
    color = BOX_COLOR_RGB[::-1]
    if record.get("box") is not None:
        x, y, w, h = (int(round(v)) for v in record["box"])
        cv2.rectangle(bgr, (x, y), (x + w, y + h), color, 2)
        cv2.putText(bgr, f"{record['score']:.2f}", (x, max(12, y - 4)), FONT, 0.5, color, 1)
    _draw_status(bgr, status_text(record))
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return data.tobytes() if ok else b""


def _draw_status(bgr: np.ndarray, text: str) -> None:
    """The status line on a dark strip along the bottom, scaled to fit the frame's width."""
    height, width = bgr.shape[:2]
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, 0.5, 1)
    scale = min(0.5, 0.5 * (width - 12) / max(text_width, 1))
    strip = int(text_height * scale / 0.5) + 10
    cv2.rectangle(bgr, (0, height - strip), (width, height), STRIP_BGR, -1)
    cv2.putText(bgr, text, (6, height - 5), FONT, scale, TEXT_BGR, 1, cv2.LINE_AA)
