"""Pipelined decoding: a file source's frames are decoded on a reader thread, ahead of the tracker.

The reader fills a small bounded queue: it blocks when the queue is full, so every frame arrives, in
order, and memory stays bounded (`depth` frames). Decoding (OpenCV releases the GIL) then overlaps
the tracker's inference on another core. A frame that does not decode is skipped by the source as
before; an error raised while reading is raised again in the consumer. Live sources already read on
their own thread with a newest-frame policy and are returned unwrapped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from edgetrack.runtime.sources import Frame, FrameSource

DEFAULT_DEPTH = 4
_END = object()
_POLL_S = 0.1


class PrefetchedSource(FrameSource):
    """A non-live FrameSource read `depth` frames ahead on a thread; same frames, same order."""

    def __init__(self, source: FrameSource, depth: int = DEFAULT_DEPTH):
        if depth < 1:
            raise ValueError(f"prefetch depth must be at least 1, got {depth}")
        super().__init__(source.name, source.length, source.fps)
        self.init_box, self.gt = source.init_box, source.gt
        self.scale = source.scale
        self.source = source
        self.depth = depth
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __iter__(self) -> Iterator[Frame]:
        if self._thread is not None:
            raise RuntimeError("a prefetched source is read once")
        slots: queue.Queue = queue.Queue(maxsize=self.depth)
        self._thread = threading.Thread(
            target=self._read, args=(slots,), name="edgetrack-decode", daemon=True
        )
        self._thread.start()
        try:
            while True:
                item = slots.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:  # the consumer stopped (closed, interrupted or done): frames read ahead are dropped
            self._stop.set()

    def _read(self, slots: queue.Queue) -> None:
        try:
            for frame in self.source:
                if not self._put(slots, frame):
                    return
            self._put(slots, _END)
        except Exception as exc:  # handed to the consumer, which raises it in the main thread
            self._put(slots, exc)

    def _put(self, slots: queue.Queue, item) -> bool:
        """Block until there is room (no frame is dropped); False when the source was closed."""
        while not self._stop.is_set():
            try:
                slots.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self.source.close()


def prefetched(source: FrameSource, depth: int = DEFAULT_DEPTH) -> FrameSource:
    """`source` decoded on a reader thread `depth` frames ahead; live sources and depth 0 unchanged."""
    if source.live or depth == 0:
        return source
    return PrefetchedSource(source, depth)
