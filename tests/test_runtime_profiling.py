"""Latency statistics and the auto backend choice."""

from __future__ import annotations

import pytest
from rich.console import Console
from runtime_models import pooled_score_model

from edgetrack.runtime import backends
from edgetrack.runtime.profiling import LatencyStats


def test_stats_per_stage_and_fps():
    stats = LatencyStats()
    for k in range(1, 11):  # inference 1..10 ms, pre 1 ms, post 0.5 ms, decode 3 ms
        stats.add(3.0, {"preprocess": 1.0, "inference": float(k), "postprocess": 0.5})
    assert stats.frames == 10
    mean, p50, p90 = stats.summary("inference")
    assert (mean, p50) == (5.5, 5.5) and p90 == pytest.approx(9.1)
    assert stats.summary("decode") == (3.0, 3.0, 3.0)
    assert stats.fps_end_to_end() == pytest.approx(1000 / 7.0)  # decode excluded
    assert stats.fps_model() == pytest.approx(1000 / 5.5)
    console = Console(width=100, record=True)
    console.print(stats.table())
    text = console.export_text()
    for word in ("decode", "preprocess", "inference", "postprocess", "end-to-end", "142.9", "181.8"):
        assert word in text


@pytest.mark.parametrize("faster", ["onnxruntime", "openvino"])
def test_auto_keeps_the_faster_backend(tmp_path, monkeypatch, faster):
    path = pooled_score_model(tmp_path / "m.onnx")
    monkeypatch.setattr(backends, "median_latency_ms", lambda b: 1.0 if b.name == faster else 2.0)
    assert backends.open_backend(path, "auto").name == faster


def test_sustained_rate_is_frames_over_wall_time_and_serial_adds_decode(monkeypatch):
    from edgetrack.runtime import profiling

    clock = iter([100.0, 100.010, 100.020, 100.030, 100.040])  # start, then one add every 10 ms
    monkeypatch.setattr(profiling.time, "perf_counter", lambda: next(clock))
    stats = LatencyStats()
    assert stats.fps_sustained() != stats.fps_sustained()  # NaN before start()
    stats.start()
    for _ in range(4):  # decode 8 ms + tracking 7 ms serially: 15 ms; overlapped: 10 ms a frame
        stats.add(8.0, {"preprocess": 1.0, "inference": 5.0, "postprocess": 1.0})
    assert stats.fps_sustained() == pytest.approx(100.0)
    assert stats.fps_serial() == pytest.approx(1000 / 15.0)
    console = Console(width=120, record=True)
    console.print(stats.table())
    text = console.export_text()
    assert "sustained, with decode" in text and "(sustained) 100.0" in text and "end-to-end 66.7" in text


def test_stats_memory_is_bounded_and_percentiles_cover_the_recent_window():
    stats = LatencyStats(window=4)
    for k in range(1, 11):  # inference 1..10 ms
        stats.add(0.0, {"preprocess": 0.0, "inference": float(k), "postprocess": 0.0})
    assert stats.frames == 10 and stats._recent.shape[0] == 4
    mean, p50, p90 = stats.summary("inference")
    assert mean == 5.5  # over every frame
    assert p50 == 8.5 and p90 == pytest.approx(9.7)  # over the last 4 frames: 7, 8, 9, 10
    assert stats.last()["inference"] == 10.0 and stats.last()["end-to-end"] == 10.0
    assert LatencyStats().last() == {}
