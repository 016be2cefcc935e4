"""Carries the tracker's newest frame and box record to the web clients without ever making the
tracking loop wait.

The tracking thread only stores the newest frame and appends the record's JSON to each box client's
bounded queue (a slow client loses its oldest records, which the frame numbers show). One encoder
thread draws and JPEG-encodes the newest frame for all picture viewers at once, at most `view_fps`
times a second and only while someone watches; a viewer that falls behind skips to the newest
picture. Nothing is queued without bound, and more viewers cost no more tracker time.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from edgetrack.serve.view import render_jpeg

BOX_BACKLOG = 256  # records a box-stream client may fall behind before its oldest are dropped
MAX_CLIENTS = 16  # open picture and box streams together
VIEW_FPS = 30.0


class TooManyClients(Exception):
    """The feed already serves MAX_CLIENTS streams."""


class LiveFeed:
    """Newest frame, newest record and the streams' wake-ups; `publish` from any thread, the rest on
    the server's event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, view_fps: float = VIEW_FPS) -> None:
        self._loop = loop
        self._view_interval = 1.0 / view_fps
        self._lock = threading.Lock()
        self._frame: np.ndarray | None = None
        self._record: dict | None = None
        self._jpeg, self._jpeg_seq = b"", 0
        self._box_queues: dict[int, deque] = {}  # by id(): deques do not hash
        self._waiters: set[asyncio.Event] = set()
        self._viewers = 0
        self._wake_pending = False
        self._fresh = threading.Event()
        self.closed = False
        self._encoder = threading.Thread(target=self._encode_loop, name="edgetrack-view", daemon=True)
        self._encoder.start()

    # --- the tracking thread -------------------------------------------------------------------
    def publish(self, frame_rgb: np.ndarray, record: dict) -> None:
        """Hand over the newest frame (not copied: frames are never changed after decoding) and its
        record; returns at once."""
        data = json.dumps(record).encode()
        with self._lock:
            self._frame, self._record = frame_rgb, record
            for queue in self._box_queues.values():
                queue.append(data)
        self._fresh.set()
        self._wake()

    def close(self) -> None:
        """End every stream (each box stream gets a last `end` event) and the encoder thread."""
        self.closed = True
        self._fresh.set()
        self._wake()
        self._encoder.join(timeout=5.0)

    # --- the event loop ------------------------------------------------------------------------
    @property
    def record(self) -> dict | None:
        """The newest record, None before the first frame."""
        return self._record

    @property
    def frame_shape(self) -> tuple[int, ...] | None:
        frame = self._frame
        return None if frame is None else frame.shape

    @contextmanager
    def box_stream(self) -> Iterator[tuple[deque, asyncio.Event]]:
        """A client's queue of record JSON (bytes) and the event set when it may have grown."""
        queue: deque = deque(maxlen=BOX_BACKLOG)
        with self._client() as event:
            with self._lock:
                self._box_queues[id(queue)] = queue
            try:
                yield queue, event
            finally:
                with self._lock:
                    del self._box_queues[id(queue)]

    def take(self, queue: deque) -> list[bytes]:
        """Everything in a box client's queue, oldest first."""
        with self._lock:
            items = list(queue)
            queue.clear()
        return items

    @contextmanager
    def picture_stream(self) -> Iterator[asyncio.Event]:
        """Register a picture viewer; the event is set when a new JPEG may be there (see `jpeg`)."""
        with self._client() as event:
            with self._lock:
                self._viewers += 1
            self._fresh.set()  # encode the newest frame now, even if the tracker is paused
            try:
                yield event
            finally:
                with self._lock:
                    self._viewers -= 1

    def jpeg(self) -> tuple[int, bytes]:
        """(sequence number, JPEG bytes) of the newest encoded picture; (0, b"") before the first."""
        with self._lock:
            return self._jpeg_seq, self._jpeg

    @contextmanager
    def _client(self) -> Iterator[asyncio.Event]:
        if len(self._waiters) >= MAX_CLIENTS:
            raise TooManyClients
        event = asyncio.Event()
        self._waiters.add(event)
        try:
            yield event
        finally:
            self._waiters.discard(event)

    def _wake(self) -> None:
        """Set every client's event on the loop; at most one call is ever pending there."""
        with self._lock:
            if self._wake_pending:
                return
            self._wake_pending = True
        try:
            self._loop.call_soon_threadsafe(self._wake_all)
        except RuntimeError:  # the loop has closed: nobody to wake
            pass

    def _wake_all(self) -> None:
        with self._lock:
            self._wake_pending = False
        for event in self._waiters:
            event.set()

    # --- the encoder thread --------------------------------------------------------------------
    def _encode_loop(self) -> None:
        while True:
            self._fresh.wait()
            self._fresh.clear()
            if self.closed:
                return
            with self._lock:
                frame, record, viewers = self._frame, self._record, self._viewers
            if not viewers or frame is None:
                continue
            start = time.perf_counter()
            jpeg = render_jpeg(frame, record)
            with self._lock:
                self._jpeg, self._jpeg_seq = jpeg, self._jpeg_seq + 1
            self._wake()
            time.sleep(max(0.0, self._view_interval - (time.perf_counter() - start)))
