"""Pipelined decoding: a file source's frames are decoded in a child process, ahead of the tracker.

The first frame is read here; the child, forked then, goes on with the same iterator and writes
each decoded frame into a ring of `depth` slots of anonymous shared memory (mmap), then says which
slot over a pipe. Each frame is copied out of its slot before it is handed on (the consumer owns
it), and the slot goes back to the child: every frame arrives, in order, and the child is never more
than `depth` frames ahead (plus the one it decodes). A frame larger than the first goes over the
pipe instead. A frame that does not decode is skipped by the source as before, with its warning
re-logged here; an error raised while reading is raised again in the consumer.

Why a process and not a thread: the reader thread released the GIL while decoding, but took it back
after each frame, at the moment the tracker woke it by taking a frame off the queue; the tracker's
next GIL release (its crop's first OpenCV call) then waited for the reader to be scheduled on the
busy second core and run: 2 ms a frame (docs/track.md). A child process shares no GIL.

Stopping (the consumer's iterator closed, an exception or a signal while waiting, `close()`) kills
the child at once and waits for it; the ring has no name, so nothing outlives the process. A child
whose parent died exits at its next pipe operation. Live sources already read on their own thread
with a newest-frame policy and are returned unwrapped, as are all sources where `fork` is missing.
"""

from __future__ import annotations

import logging
import logging.handlers
import mmap
import multiprocessing
import pickle
import signal
import threading
import weakref
from collections.abc import Iterator

import numpy as np

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.sources import Frame, FrameSource

DEFAULT_DEPTH = 4
KEPT_FRAMES = 2  # ring slots the consumer may hold on to (the frame it tracks, the one on the live page)
_JOIN_S = 2.0


class _PipeLog:
    """The `queue` of a QueueHandler in the child: each log record goes to the parent over the pipe."""

    def __init__(self, conn):
        self.conn = conn

    def put_nowait(self, record: logging.LogRecord) -> None:
        self.conn.send(("log", record))


class PrefetchedSource(FrameSource):
    """A non-live FrameSource decoded `depth` frames ahead in a child process; same frames, same order."""

    def __init__(self, source: FrameSource, depth: int = DEFAULT_DEPTH):
        if depth < 1:
            raise ValueError(f"prefetch depth must be at least 1, got {depth}")
        super().__init__(source.name, source.length, source.fps)
        self.init_box, self.gt = source.init_box, source.gt
        self.scale = source.scale
        self.source = source
        self.depth = depth
        self._started = False
        self._process: multiprocessing.Process | None = None
        self._conn = None
        self._ring: mmap.mmap | None = None
        self._lock = threading.Lock()  # the pipe's sends come from the consumer and from finalizers
        self._kept = 0  # frames handed over in their ring slot and still alive

    def __iter__(self) -> Iterator[Frame]:
        if self._started:
            raise RuntimeError("a prefetched source is read once")
        self._started = True
        frames = iter(self.source)
        first = next(frames, None)
        if first is None:
            return
        slot_bytes = max(first.rgb.nbytes, 1)
        slots = self.depth + KEPT_FRAMES
        self._ring = mmap.mmap(-1, slot_bytes * slots)  # MAP_SHARED | MAP_ANONYMOUS: forked along
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(
            target=_decode, args=(frames, child_end, self._ring, slot_bytes), name="edgetrack-decode", daemon=True
        )
        self._process.start()
        child_end.close()
        try:
            for slot in range(slots):
                self._free(slot)
            yield first
            while True:
                frame = self._receive(slot_bytes)
                if frame is None:
                    return
                yield frame
        finally:  # the consumer stopped (closed, interrupted or done): frames decoded ahead are dropped
            self._stop_child()

    def _receive(self, slot_bytes: int) -> Frame | None:
        """The next frame from the child, or None at the end of the source."""
        while True:
            try:
                kind, *payload = self._conn.recv()
            except EOFError:
                self._process.join(_JOIN_S)
                raise EdgetrackError(
                    f"the decoding process ended unexpectedly (exit code {self._process.exitcode})"
                ) from None
            if kind == "log":
                record = payload[0]
                logging.getLogger(record.name).handle(record)
            elif kind == "error":
                raise payload[0]
            elif kind == "end":
                return None
            elif kind == "frame":
                slot, frame = payload
                self._free(slot)
                return frame
            else:  # "slot": the pixels lie in the ring
                slot, index, shape, decode_ms = payload
                rgb = np.frombuffer(self._ring, np.uint8, int(np.prod(shape)), slot * slot_bytes).reshape(shape)
                return Frame(index, self._hand_over(rgb, slot), decode_ms)

    def _hand_over(self, rgb: np.ndarray, slot: int) -> np.ndarray:
        """The frame for the consumer: the slot itself, given back to the child once the consumer has
        dropped it, or, while KEPT_FRAMES such frames are still alive, a copy (its slot freed now)."""
        with self._lock:
            keep = self._kept < KEPT_FRAMES
            self._kept += keep
        if not keep:
            rgb = rgb.copy()
            self._free(slot)
            return rgb
        rgb.flags.writeable = False  # a frame is never changed after decoding
        weakref.finalize(rgb, self._release, slot)
        return rgb

    def _release(self, slot: int) -> None:
        """A frame in the ring was dropped by the consumer (any thread): its slot is free again."""
        with self._lock:
            self._kept -= 1
        self._free(slot)

    def _free(self, slot: int) -> None:
        """Hand a slot to the child; a child that has ended (its last frame sent) needs none."""
        with self._lock:
            if self._conn is None or self._conn.closed:
                return
            try:
                self._conn.send(slot)
            except (BrokenPipeError, ConnectionResetError):
                pass  # a child that died early is reported by the next receive (EOF)

    def _stop_child(self) -> None:
        """Kill the child (it holds nothing that needs a clean exit) and wait for it; close the pipe."""
        if self._process is not None and self._process.exitcode is None:
            self._process.kill()
            self._process.join(_JOIN_S)
        with self._lock:
            if self._conn is not None:
                self._conn.close()

    def close(self) -> None:
        self._stop_child()
        self._ring = None  # unmapped once the last frame still in it is dropped
        self.source.close()


def _decode(frames: Iterator[Frame], conn, ring: mmap.mmap, slot_bytes: int) -> None:
    """The child: decode the remaining frames, each into a free slot named by the parent, in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    root = logging.getLogger()
    for logger in [root, *logging.root.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            logger.handlers, logger.propagate = [], True
    root.addHandler(logging.handlers.QueueHandler(_PipeLog(conn)))
    try:
        for frame in frames:
            slot = conn.recv()
            rgb = np.ascontiguousarray(frame.rgb)
            if rgb.dtype != np.uint8 or rgb.nbytes > slot_bytes:  # larger than the first: mixed sizes
                conn.send(("frame", slot, frame))
                continue
            np.frombuffer(ring, np.uint8, rgb.nbytes, slot * slot_bytes)[:] = rgb.reshape(-1)
            conn.send(("slot", slot, frame.index, rgb.shape, frame.decode_ms))
        conn.send(("end",))
    except (EOFError, BrokenPipeError):  # the parent is gone or stopped reading
        return
    except Exception as exc:  # handed to the parent, which raises it in the consumer
        _send_error(conn, exc)


def _send_error(conn, exc: Exception) -> None:
    """Send the child's exception to the parent; one that does not pickle goes as an EdgetrackError."""
    try:
        conn.send(("error", exc))
    except (pickle.PicklingError, TypeError, AttributeError):
        conn.send(("error", EdgetrackError(f"{type(exc).__name__}: {exc}")))


def prefetched(source: FrameSource, depth: int = DEFAULT_DEPTH) -> FrameSource:
    """`source` decoded in a child process `depth` frames ahead; live sources, depth 0 and systems
    without `fork` unchanged."""
    if source.live or depth == 0 or "fork" not in multiprocessing.get_all_start_methods():
        return source
    return PrefetchedSource(source, depth)
