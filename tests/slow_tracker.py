"""A picklable tracker factory whose tracker takes seconds a frame: for interrupting parallel evaluation."""

from __future__ import annotations

import time
from dataclasses import dataclass

from edgetrack.evaluation.trackers import StaticTracker, TrackResult


class SlowTracker(StaticTracker):
    def track(self, frame_rgb) -> TrackResult:
        time.sleep(5)
        return super().track(frame_rgb)


@dataclass(frozen=True)
class SlowTrackerFactory:
    name: str = "slow"

    def identity(self) -> dict:
        return {"tracker": self.name}

    def __call__(self) -> SlowTracker:
        return SlowTracker()
