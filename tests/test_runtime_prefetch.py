"""Pipelined decoding: frames decoded on a reader thread arrive all, in order; reduced decoding."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import cv2
import numpy as np
import pytest
from test_runtime_sources import write_frames

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.prefetch import PrefetchedSource, prefetched
from edgetrack.runtime.sources import ArrayFrames, Frame, FrameSource, ImageFiles, open_source


def test_prefetched_folder_keeps_order_and_every_frame_around_a_corrupt_one(tmp_path, caplog):
    folder = write_frames(tmp_path / "f", 25)
    (folder / "0013.png").write_bytes(b"not a png")  # frame 12, in the middle
    with caplog.at_level(logging.WARNING), prefetched(open_source(str(folder)), depth=2) as source:
        assert isinstance(source, PrefetchedSource)
        seen = []
        for frame in source:
            seen.append((frame.index, int(frame.rgb[0, 0, 0])))
            time.sleep(0.002)  # a consumer slower than the reader: the bounded queue fills up
    expected = [i for i in range(25) if i != 12]
    assert [index for index, _ in seen] == expected
    assert [red for _, red in seen] == [10 * i for i in expected]  # each frame's own pixels
    assert "0013.png" in caplog.text


class _Recorder(FrameSource):
    """Frames 0..n-1; records the highest index produced, to show how far ahead the reader runs."""

    def __init__(self, n: int):
        super().__init__("recorder", length=n)
        self.n, self.produced, self.reader_threads = n, -1, set()

    def __iter__(self):
        for i in range(self.n):
            self.produced = i
            self.reader_threads.add(threading.current_thread().name)
            yield Frame(i, np.zeros((2, 2, 3), np.uint8), 0.0)


def test_reader_runs_ahead_on_its_own_thread_but_at_most_depth_frames():
    inner = _Recorder(50)
    source = prefetched(inner, depth=3)
    frames = iter(source)
    assert next(frames).index == 0
    time.sleep(0.2)
    # one frame consumed, `depth` queued and one more held by the blocked reader: never all 50
    assert inner.produced <= 1 + 3 + 1
    assert [f.index for f in frames] == list(range(1, 50))
    assert inner.reader_threads == {"edgetrack-decode"}
    source.close()


def test_close_stops_a_blocked_reader():
    inner = _Recorder(1000)
    source = prefetched(inner, depth=2)
    assert next(iter(source)).index == 0
    source.close()
    assert not source._thread.is_alive() and inner.produced < 10


def test_a_consumer_that_stops_stops_the_reader_and_drops_the_frames_read_ahead():
    inner = _Recorder(1000)
    source = prefetched(inner, depth=2)
    frames = iter(source)
    assert next(frames).index == 0
    frames.close()  # the tracking loop ended (track_source closes its iterator): no source.close() yet
    source._thread.join(timeout=2.0)
    assert not source._thread.is_alive() and inner.produced < 10


def test_a_stop_signal_while_waiting_for_a_frame_ends_the_wait_and_the_reader():
    from edgetrack.cli.process import handle_signals
    from edgetrack.runtime.control import SIGNAL_EXIT_CODES, RunControl, StopRequested

    stall = threading.Event()

    class Stalling(_Recorder):
        def __iter__(self):
            for frame in super().__iter__():
                if frame.index == 1:
                    stall.wait(5.0)  # a slow decode: the consumer waits on the empty queue
                yield frame

    inner = Stalling(1000)
    source, control = prefetched(inner, depth=2), RunControl()
    frames = iter(source)
    assert next(frames).index == 0
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.perf_counter()
    with handle_signals(control.on_signal, SIGNAL_EXIT_CODES), pytest.raises(StopRequested):
        with control.interruptible():
            next(frames)
    assert time.perf_counter() - started < 2.0 and control.exit_code == 143
    stall.set()  # the decode in progress ends; the reader then sees the stop instead of queueing more
    source._thread.join(timeout=2.0)
    assert not source._thread.is_alive() and inner.produced < 10
    source.close()


def test_reader_errors_reach_the_consumer():
    class Failing(FrameSource):
        def __iter__(self):
            yield Frame(0, np.zeros((2, 2, 3), np.uint8), 0.0)
            raise EdgetrackError("stream broke")

    with pytest.raises(EdgetrackError, match="stream broke"), prefetched(Failing("x")) as source:
        list(source)


def test_depth_zero_and_live_sources_are_not_wrapped():
    plain = ArrayFrames("a", [np.zeros((2, 2, 3), np.uint8)])
    assert prefetched(plain, depth=0) is plain
    plain.live = True
    assert prefetched(plain, depth=4) is plain


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_reduced_decoding_halves_the_frame_and_reports_the_scale(tmp_path, suffix):
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 256, (64, 96, 3), dtype=np.uint8), (9, 9), 3)
    cv2.imwrite(str(tmp_path / f"0001{suffix}"), image)
    full = list(open_source(str(tmp_path), reduce=1))[0].rgb
    source = open_source(str(tmp_path), reduce=2)
    half = list(source)[0].rgb
    assert isinstance(source, ImageFiles) and source.scale == 0.5
    assert full.shape == (64, 96, 3) and half.shape == (32, 48, 3)
    shrunk = cv2.resize(full, (48, 32), interpolation=cv2.INTER_AREA).astype(np.int16)
    assert np.abs(half.astype(np.int16) - shrunk).mean() < 4  # the same picture, smaller
    with pytest.raises(EdgetrackError, match="decode reduction must be one of"):
        open_source(str(tmp_path), reduce=3)
