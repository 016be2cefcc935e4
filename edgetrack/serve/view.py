"""The picture the live page shows: the frame with the box, the score, the FPS and the per-stage
latency drawn on it, as JPEG."""

from __future__ import annotations

import cv2
import numpy as np

from edgetrack.runtime.tracker import STAGES
from edgetrack.runtime.writers import BOX_COLOR_RGB

JPEG_QUALITY = 80
TEXT_BGR = (255, 255, 255)
SHADOW_BGR = (0, 0, 0)


def status_text(record: dict) -> str:
    """One line for the picture: what the tracker does, its score, FPS and stage times."""
    if record["state"] == "waiting":
        return f"frame {record['frame']} - drag a box to start tracking"
    parts = [f"frame {record['frame']}", f"score {record['score']:.2f}"]
    if record.get("fps"):
        parts.append(f"{record['fps']:.0f} FPS")
    ms = record.get("ms") or {}
    parts += [f"{stage[:3]} {ms[stage]:.1f}ms" for stage in STAGES if stage in ms]
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
        cv2.putText(
            bgr, f"{record['score']:.2f}", (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1
        )
    scale = max(0.35, min(0.6, bgr.shape[1] / 1400))
    line = status_text(record)
    for thickness, text_color in ((3, SHADOW_BGR), (1, TEXT_BGR)):
        cv2.putText(bgr, line, (6, bgr.shape[0] - 8), cv2.FONT_HERSHEY_SIMPLEX, scale, text_color, thickness)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return data.tobytes() if ok else b""
