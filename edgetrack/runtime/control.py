"""What an operator asks of a running tracker — stop, pause or resume, track this box — from a signal,
a key or the live page's buttons. The tracking loop polls a `RunControl` between frames, so a stop
always falls between two frames and every output ends on a whole frame."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNAL_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}  # the shell's 128 + signal number


class StopRequested(Exception):
    """Raised out of a blocking wait (the next frame of a stalled stream) when a stop signal arrives."""


class RunControl:
    """Thread-safe requests to the tracking loop. `stop_reason` and `exit_code` say why and how it ended."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._paused = False
        self._box: tuple[float, float, float, float] | None = None
        self._waiting = False  # the loop is blocked where a stop signal may interrupt it
        self.stop_reason: str | None = None
        self.exit_code = 0

    @property
    def stopped(self) -> bool:
        return self.stop_reason is not None

    @property
    def paused(self) -> bool:
        return self._paused

    def stop(self, reason: str, exit_code: int = 0) -> None:
        """Ask the loop to finish after the current frame (the first reason given is kept)."""
        with self._changed:
            self._request_stop(reason, exit_code)
            self._changed.notify_all()

    def set_paused(self, paused: bool) -> None:
        with self._changed:
            self._paused = bool(paused)
            self._changed.notify_all()

    def request_box(self, box) -> None:
        """Ask the loop to (re)start tracking on `box` x,y,w,h at the next frame it handles."""
        with self._changed:
            self._box = tuple(float(v) for v in box)
            self._changed.notify_all()

    def take_box(self) -> tuple[float, float, float, float] | None:
        """The box asked for since the last call, if any."""
        with self._changed:
            box, self._box = self._box, None
        return box

    def wait_for_change(self, timeout: float) -> None:
        """Block until a request arrives, a stop signal (raises StopRequested) or `timeout` seconds."""
        with self.interruptible(), self._changed:
            self._changed.wait(timeout)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Inside this block a stop signal raises StopRequested at once instead of waiting for the
        loop to poll: for blocking waits (a stalled stream, a pause)."""
        self._waiting = True
        try:
            if self.stopped:
                raise StopRequested
            yield
        finally:
            self._waiting = False

    def _request_stop(self, reason: str, exit_code: int) -> None:
        if self.stop_reason is None:
            self.stop_reason, self.exit_code = reason, exit_code

    def on_signal(self, signum: int, _frame=None) -> None:
        """The handler of SIGINT and SIGTERM (installed by the CLI, see edgetrack.cli.process): stop
        cleanly with exit 130 / 143, at once inside an interruptible wait, else after the current frame;
        a second SIGINT interrupts at once (KeyboardInterrupt)."""
        if signum == signal.SIGINT and self.stopped:
            raise KeyboardInterrupt
        # no lock here: the handler runs on the main thread, which may hold it; the loop polls
        self._request_stop(signal.Signals(signum).name, SIGNAL_EXIT_CODES[signum])
        if self._waiting:
            raise StopRequested
