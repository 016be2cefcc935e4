"""OSTrack's tracking loop on a CPU inference backend: crop, normalise, infer, decode, map back, clip."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from edgetrack.boxes import check_init_box
from edgetrack.errors import EdgetrackError
from edgetrack.postprocess import decode_peak, hann2d, next_box
from edgetrack.preprocess import Normalizer, sample_target
from edgetrack.runtime.backends import Backend, open_backend

STAGES = ("preprocess", "inference", "postprocess")
log = logging.getLogger("edgetrack")


@dataclass
class TrackResult:
    """One frame's output: box x,y,w,h in frame pixels, the raw peak score, stage -> milliseconds."""

    box: tuple[float, float, float, float]
    score: float
    timings: dict[str, float] = field(default_factory=dict)
    lost: bool = False  # the model's output was NaN or infinite: the box is the previous one


class Tracker:
    """Single-object tracker: `init(frame, box)` once, then `track(frame)` on every following frame.

    Frames are RGB uint8 HxWx3, or BGR straight from `cv2.VideoCapture` with `color="bgr"`. The
    template is cropped and normalised once at init and handed to the backend then (a template-cached
    model encodes it there, once); the search tensor and the Hanning window are allocated once and
    reused. `update(frame) -> (ok, box)` is the OpenCV-style form of `track`.
    """

    def __init__(
        self,
        model_path: Path | str | Backend,
        backend: str = "auto",
        threads: int | None = None,
        precision: str = "f32",
        min_score: float | None = None,
        color: str = "rgb",
    ):
        """`min_score` overrides the model's lost-target threshold (its metadata's `min_score`)."""
        if color.lower() not in ("rgb", "bgr"):
            raise EdgetrackError(f"color must be 'rgb' or 'bgr', got {color!r}")
        self._frames_bgr = color.lower() == "bgr"
        if isinstance(model_path, Backend):  # an opened backend (bench, export checks): used as it is
            self.backend: Backend = model_path
        else:
            self.backend = open_backend(model_path, backend, threads, precision)
        spec = self.backend.spec
        if min_score is not None:
            if not 0.0 <= float(min_score) < 1.0:
                raise EdgetrackError(f"min_score must lie in [0, 1), got {min_score!r}")
            spec = replace(spec, min_score=float(min_score))
        self.spec = spec
        self._normalize = Normalizer(spec.mean, spec.std, spec.scale, bgr=spec.color == "BGR")
        self._window = hann2d(spec.feat_size)
        self._template = np.empty((1, 3, spec.template_size, spec.template_size), np.float32)
        self._search = np.empty((1, 3, spec.search_size, spec.search_size), np.float32)
        self._state: tuple[float, float, float, float] | None = None
        self.nonfinite_frames = 0  # frames lost because the model's output was NaN or infinite

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        """The current box (x, y, w, h), None before init."""
        return self._state

    def init(self, frame_rgb: np.ndarray, box_xywh) -> None:
        """Start tracking the object in `box_xywh` (checked against the frame) on this frame."""
        _check_frame(frame_rgb)
        frame_rgb = self._as_rgb(frame_rgb)
        box = check_init_box(box_xywh, frame_rgb.shape)
        crop, _ = sample_target(frame_rgb, box, self.spec.template_factor, self.spec.template_size)
        self._normalize(crop, out=self._template)
        self.backend.set_template(self._template)
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
        frame_rgb = self._as_rgb(frame_rgb)
        spec = self.spec
        t0 = time.perf_counter()
        crop, resize_factor = sample_target(frame_rgb, self._state, spec.search_factor, spec.search_size)
        self._normalize(crop, out=self._search)
        t1 = time.perf_counter()
        score_map, size_map, offset_map = self.backend.run_search(self._search)
        t2 = time.perf_counter()
        box_crop, score = decode_peak(score_map, size_map, offset_map, self._window)
        lost = not all(math.isfinite(v) for v in (*box_crop, score))
        if not lost:
            self._state = next_box(
                box_crop, score, self._state, spec.search_size, resize_factor, frame_rgb.shape[:2],
                spec.size_rate, spec.min_score,
            )  # fmt: skip
        else:
            score = self._lost_to_nonfinite_output()
        t3 = time.perf_counter()
        timings = {
            "preprocess": 1e3 * (t1 - t0),
            "inference": 1e3 * (t2 - t1),
            "postprocess": 1e3 * (t3 - t2),
        }
        return TrackResult(self._state, score, timings, lost)

    def update(self, frame: np.ndarray) -> tuple[bool, tuple[int, int, int, int]]:
        """OpenCV's tracker interface: (found, integer x,y,w,h box). Found means a finite output with a
        peak score of at least the lost-target threshold (`min_score`)."""
        result = self.track(frame)
        return not result.lost and result.score >= self.spec.min_score, tuple(
            int(round(v)) for v in result.box
        )

    def _as_rgb(self, frame: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if self._frames_bgr else frame

    def _lost_to_nonfinite_output(self) -> float:
        """Count a frame whose model output was NaN/inf as lost (the box stays); warn the first time."""
        self.nonfinite_frames += 1
        if self.nonfinite_frames == 1:
            log.warning(
                f"the model gave a NaN or infinite output ({self.backend.path}): frame counted as lost, "
                "box kept (further such frames are counted silently)"
            )
        return 0.0


def _check_frame(frame: np.ndarray) -> None:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise EdgetrackError(f"frames must be HxWx3 uint8 RGB, got {frame.dtype} {frame.shape}")
