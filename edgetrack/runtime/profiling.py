"""Per-stage latency statistics of a tracking run and their rich table, in bounded memory."""

from __future__ import annotations

import time

import numpy as np
from rich.table import Table

from edgetrack.runtime.tracker import STAGES

ALL_STAGES = ("decode",) + STAGES
TOTAL = "end-to-end"  # the tracker's stages summed (decoding excluded)
WINDOW = 10_000  # frames whose times are kept for the percentiles


class LatencyStats:
    """Collects per-frame stage times (ms). End-to-end covers the tracker's stages, not decoding.

    Memory stays fixed however long the run: means are over every frame (running sums), p50/p90 over
    the last `window` frames (a ring buffer; exact for runs up to that length). The sustained rate is
    what a user gets: tracked frames over the wall time from `start()` (after the tracker's init) to the
    last `add`, decoding, writing and any overlap between them included."""

    def __init__(self, window: int = WINDOW) -> None:
        self._columns = {name: i for i, name in enumerate((*ALL_STAGES, TOTAL))}
        self._recent = np.zeros((window, len(self._columns)), np.float64)
        self._sums = np.zeros(len(self._columns), np.float64)
        self._count = 0
        self._started: float | None = None  # perf_counter at start()
        self._started_frames = 0  # frames added before start() (not in the sustained rate)
        self._last_add: float | None = None

    def start(self) -> None:
        """Start the wall clock of the sustained rate (call right before the tracking loop)."""
        self._started, self._started_frames, self._last_add = time.perf_counter(), self._count, None

    def add(self, decode_ms: float, timings: dict[str, float]) -> None:
        """Record one tracked frame: its decode time and the tracker's stage timings."""
        tracker_ms = [timings[stage] for stage in STAGES]
        row = (decode_ms, *tracker_ms, sum(tracker_ms))
        self._recent[self._count % len(self._recent)] = row
        self._sums += row
        self._count += 1
        if self._started is not None:
            self._last_add = time.perf_counter()

    @property
    def frames(self) -> int:
        return self._count

    def last(self) -> dict[str, float]:
        """The newest frame's times (ms) by stage, with `end-to-end`; empty before the first frame."""
        if not self._count:
            return {}
        row = self._recent[(self._count - 1) % len(self._recent)]
        return {name: float(row[i]) for name, i in self._columns.items()}

    def summary(self, stage: str) -> tuple[float, float, float]:
        """(mean, p50, p90) in ms of one stage (or `end-to-end`)."""
        if not self._count:
            return (float("nan"),) * 3
        column = self._columns[stage]
        recent = self._recent[: min(self._count, len(self._recent)), column]
        p50, p90 = np.percentile(recent, [50, 90])
        return float(self._sums[column] / self._count), float(p50), float(p90)

    def fps_end_to_end(self) -> float:
        """Frames per second of pre-process + inference + post-process (decode excluded)."""
        return 1e3 / self.summary(TOTAL)[0] if self._count else float("nan")

    def fps_sustained(self) -> float:
        """Tracked frames per wall-clock second since start(), decoding included (NaN without start)."""
        if self._started is None or self._last_add is None or self._last_add <= self._started:
            return float("nan")
        return (self._count - self._started_frames) / (self._last_add - self._started)

    def fps_serial(self) -> float:
        """The rate if decoding and tracking ran one after the other: 1000 / (decode ms + end-to-end ms)."""
        if not self._count:
            return float("nan")
        return 1e3 / (self.summary("decode")[0] + self.summary(TOTAL)[0])

    def fps_model(self) -> float:
        """Frames per second of the model's inference alone."""
        return 1e3 / self.summary("inference")[0] if self._count else float("nan")

    def table(self, title: str = "latency per frame") -> Table:
        """A rich table: one row per stage (mean, p50, p90 ms), then the two FPS figures."""
        table = Table(title=f"{title} ({self.frames} frames)")
        table.add_column("stage")
        for column in ("mean ms", "p50 ms", "p90 ms"):
            table.add_column(column, justify="right")
        for stage in ALL_STAGES:
            table.add_row(stage, *(f"{v:.2f}" for v in self.summary(stage)))
        if self._count:
            table.add_row("end-to-end (no decode)", *(f"{v:.2f}" for v in self.summary(TOTAL)))
        sustained = self.fps_sustained()
        if np.isfinite(sustained):
            table.add_row("sustained, with decode (wall)", f"{1e3 / sustained:.2f}", "", "")
        table.caption = (
            f"FPS end-to-end {self.fps_end_to_end():.1f} · model only {self.fps_model():.1f}"
            f" · with decode (sustained) {sustained:.1f} · serial decode + end-to-end {self.fps_serial():.1f}"
        )
        if self._count > len(self._recent):
            table.caption += f" · p50/p90 over the last {len(self._recent)} frames"
        return table
