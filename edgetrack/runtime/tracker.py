"""OSTrack's tracking loop on a CPU inference backend: crop, normalise, infer, decode, map back, clip."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from edgetrack.boxes import check_init_box
from edgetrack.errors import EdgetrackError
from edgetrack.postprocess import decode_peak, hann2d, next_box
from edgetrack.preprocess import Normalizer, sample_target
from edgetrack.runtime.backends import Backend, open_backend

STAGES = ("preprocess", "inference", "postprocess")


@dataclass
class TrackResult:
    """One frame's output: box x,y,w,h in frame pixels, the raw peak score, stage -> milliseconds."""

    box: tuple[float, float, float, float]
    score: float
    timings: dict[str, float] = field(default_factory=dict)


class Tracker:
    """Single-object tracker: `init(frame, box)` once, then `track(frame)` on every following frame.

    Frames are RGB uint8 HxWx3. The template is cropped and normalised once at init; the search
    tensor and the Hanning window are allocated once and reused.
    """

    def __init__(
        self,
        model_path: Path | str | Backend,
        backend: str = "auto",
        threads: int | None = None,
        precision: str = "f32",
        min_score: float | None = None,
    ):
        """`min_score` overrides the model's lost-target threshold (its metadata's `min_score`)."""
        if isinstance(model_path, Backend):  # an opened backend (bench, export checks): used as it is
            self.backend: Backend = model_path
        else:
            self.backend = open_backend(model_path, backend, threads, precision)
        spec = self.backend.spec
        if min_score is not None:
            spec = replace(spec, min_score=float(min_score))
        self.spec = spec
        self._normalize = Normalizer(spec.mean, spec.std, spec.scale, bgr=spec.color == "BGR")
        self._window = hann2d(spec.feat_size)
        self._template = np.empty((1, 3, spec.template_size, spec.template_size), np.float32)
        self._search = np.empty((1, 3, spec.search_size, spec.search_size), np.float32)
        self._state: tuple[float, float, float, float] | None = None

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        """The current box (x, y, w, h), None before init."""
        return self._state

    def init(self, frame_rgb: np.ndarray, box_xywh) -> None:
        """Start tracking the object in `box_xywh` (checked against the frame) on this frame."""
        _check_frame(frame_rgb)
        box = check_init_box(box_xywh, frame_rgb.shape)
        crop, _ = sample_target(frame_rgb, box, self.spec.template_factor, self.spec.template_size)
        self._normalize(crop, out=self._template)
        self._state = box

    def relocate(self, box_xywh) -> None:
        """Centre the next search on `box_xywh` (a re-detection, or another tracker's box); the template
        from init is kept."""
        if self._state is None:
            raise EdgetrackError("Tracker.relocate() called before Tracker.init()")
        box = tuple(float(v) for v in box_xywh)
        if len(box) != 4 or not all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
            raise EdgetrackError(f"relocate needs a finite x,y,w,h box with positive size, got {box_xywh!r}")
        self._state = box

    def track(self, frame_rgb: np.ndarray) -> TrackResult:
        """Locate the object in the next frame; the result's box becomes the next search centre."""
        if self._state is None:
            raise EdgetrackError("Tracker.track() called before Tracker.init()")
        _check_frame(frame_rgb)
        spec = self.spec
        t0 = time.perf_counter()
        crop, resize_factor = sample_target(frame_rgb, self._state, spec.search_factor, spec.search_size)
        self._normalize(crop, out=self._search)
        t1 = time.perf_counter()
        score_map, size_map, offset_map = self.backend.run(self._template, self._search)
        t2 = time.perf_counter()
        box_crop, score = decode_peak(score_map, size_map, offset_map, self._window)
        self._state = next_box(
            box_crop, score, self._state, spec.search_size, resize_factor, frame_rgb.shape[:2],
            spec.size_rate, spec.min_score,
        )  # fmt: skip
        t3 = time.perf_counter()
        timings = {
            "preprocess": 1e3 * (t1 - t0),
            "inference": 1e3 * (t2 - t1),
            "postprocess": 1e3 * (t3 - t2),
        }
        return TrackResult(self._state, score, timings)


def _check_frame(frame: np.ndarray) -> None:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise EdgetrackError(f"frames must be HxWx3 uint8 RGB, got {frame.dtype} {frame.shape}")
