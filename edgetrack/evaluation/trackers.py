"""Tracker factories for evaluation. A factory is a picklable callable returning a fresh tracker with
`init(frame_rgb, box_xywh)` and `track(frame_rgb) -> result` (`result.box` x,y,w,h, `result.score`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgetrack.errors import EdgetrackError


@dataclass
class TrackResult:
    """What a baseline tracker returns for a frame."""

    box: tuple[float, float, float, float]
    score: float = 1.0


class StaticTracker:
    """Baseline that keeps the initial box on every frame: the score any tracker must beat."""

    def init(self, frame_rgb, box_xywh) -> None:
        self.box = tuple(float(v) for v in box_xywh)

    def track(self, frame_rgb) -> TrackResult:
        return TrackResult(self.box)


@dataclass(frozen=True)
class StaticTrackerFactory:
    """Factory of StaticTracker."""

    name: str = "static"

    def identity(self) -> dict:
        """What makes this tracker's results: nothing but its name."""
        return {"tracker": self.name}

    def __call__(self) -> StaticTracker:
        return StaticTracker()


@dataclass(frozen=True)
class RuntimeTrackerFactory:
    """Factory of edgetrack.runtime.Tracker for one model file (imported lazily, in the worker)."""

    model: str
    backend: str = "auto"
    threads: int | None = None
    precision: str = "f32"

    @property
    def name(self) -> str:
        return Path(self.model).stem

    def identity(self) -> dict:
        """What makes this tracker's results: the model's bytes and the settings that change its output
        (not the thread count)."""
        from edgetrack.hashing import model_digest

        return {
            "tracker": "edgetrack",
            "model_sha256": model_digest(self.model),
            "backend": self.backend,
            "precision": self.precision,
        }

    def __call__(self):
        try:
            from edgetrack.runtime import Tracker
        except ImportError as exc:
            raise EdgetrackError(f"edgetrack.runtime.Tracker is not available: {exc}") from exc
        return Tracker(self.model, backend=self.backend, threads=self.threads, precision=self.precision)
