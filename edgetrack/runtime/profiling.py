"""Per-stage latency statistics of a tracking run and their rich table."""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from rich.table import Table

from edgetrack.runtime.tracker import STAGES

ALL_STAGES = ("decode",) + STAGES


class LatencyStats:
    """Collects per-frame stage times (ms). End-to-end covers the tracker's stages, not decoding.

    The sustained rate is what a user gets: tracked frames over the wall time from `start()` (after the
    tracker's init) to the last `add`, decoding, writing and any overlap between them included."""

    def __init__(self) -> None:
        self._ms: dict[str, list[float]] = defaultdict(list)
        self._tracker_ms: list[float] = []
        self._wall: list[float] = []  # perf_counter at start(), then at the last add()

    def start(self) -> None:
        """Start the wall clock of the sustained rate (call once, right before the tracking loop)."""
        self._wall = [time.perf_counter()]

    def add(self, decode_ms: float, timings: dict[str, float]) -> None:
        """Record one tracked frame: its decode time and the tracker's stage timings."""
        self._ms["decode"].append(decode_ms)
        for stage in STAGES:
            self._ms[stage].append(timings[stage])
        self._tracker_ms.append(sum(timings[stage] for stage in STAGES))
        if self._wall:
            self._wall[1:] = [time.perf_counter()]

    @property
    def frames(self) -> int:
        return len(self._tracker_ms)

    def summary(self, stage: str) -> tuple[float, float, float]:
        """(mean, p50, p90) in ms of one stage."""
        values = np.asarray(self._ms[stage], dtype=np.float64)
        if values.size == 0:
            return (float("nan"),) * 3
        return float(values.mean()), float(np.percentile(values, 50)), float(np.percentile(values, 90))

    def fps_end_to_end(self) -> float:
        """Frames per second of pre-process + inference + post-process (decode excluded)."""
        return 1e3 / float(np.mean(self._tracker_ms)) if self._tracker_ms else float("nan")

    def fps_sustained(self) -> float:
        """Tracked frames per wall-clock second since start(), decoding included (NaN without start)."""
        if len(self._wall) < 2 or self._wall[1] <= self._wall[0]:
            return float("nan")
        return self.frames / (self._wall[1] - self._wall[0])

    def fps_serial(self) -> float:
        """The rate if decoding and tracking ran one after the other: 1000 / (decode ms + end-to-end ms)."""
        if not self.frames:
            return float("nan")
        return 1e3 / (self.summary("decode")[0] + float(np.mean(self._tracker_ms)))

    def fps_model(self) -> float:
        """Frames per second of the model's inference alone."""
        return 1e3 / self.summary("inference")[0] if self.frames else float("nan")

    def table(self, title: str = "latency per frame") -> Table:
        """A rich table: one row per stage (mean, p50, p90 ms), then the two FPS figures."""
        table = Table(title=f"{title} ({self.frames} frames)")
        table.add_column("stage")
        for column in ("mean ms", "p50 ms", "p90 ms"):
            table.add_column(column, justify="right")
        for stage in ALL_STAGES:
            table.add_row(stage, *(f"{v:.2f}" for v in self.summary(stage)))
        total = np.asarray(self._tracker_ms, dtype=np.float64)
        if total.size:
            p50, p90 = np.percentile(total, [50, 90])
            table.add_row("end-to-end (no decode)", f"{total.mean():.2f}", f"{p50:.2f}", f"{p90:.2f}")
        sustained = self.fps_sustained()
        if np.isfinite(sustained):
            table.add_row("sustained, with decode (wall)", f"{1e3 / sustained:.2f}", "", "")
        table.caption = (
            f"FPS end-to-end {self.fps_end_to_end():.1f} · model only {self.fps_model():.1f}"
            f" · with decode (sustained) {sustained:.1f} · serial decode + end-to-end {self.fps_serial():.1f}"
        )
        return table
