"""Process-wide setup of the CLI: signal handlers that forked children do not inherit, OpenVINO's
usage reporting off unless the user opts in (EDGETRACK_OPENVINO_TELEMETRY=1), and OpenCV's and
ffmpeg's own log lines off stderr unless the user asks for them."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

TELEMETRY_OPT_IN = "EDGETRACK_OPENVINO_TELEMETRY"
# read by OpenCV when it loads and by its ffmpeg backend when it starts: OFF, and ffmpeg's AV_LOG_QUIET
NATIVE_LOG_LEVELS = {"OPENCV_LOG_LEVEL": "OFF", "OPENCV_FFMPEG_LOGLEVEL": "-8"}
_restore_in_child: dict[int, object] = {}  # signal -> the handler a forked child gets back
_reset_registered = False


@contextmanager
def handle_signals(handler: Callable, signums: Iterable[int]) -> Iterator[None]:
    """Run `handler(signum, frame)` on these signals while inside, in this process only; the previous
    handlers come back on leaving. A child forked meanwhile, from any thread, gets the previous handlers
    (the default action for SIGTERM) instead of this one: a library's helper process then dies on
    SIGTERM rather than running this process's code, which could hang its parent. Only the main thread
    can install handlers: elsewhere this is a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def in_owner_only(signum, frame):
        if os.getpid() != owner:  # a forked child that runs Python code before the at-fork reset
            signal.signal(signum, previous[signum])
            signal.raise_signal(signum)
            return
        handler(signum, frame)

    _register_child_reset()
    previous = {signum: signal.signal(signum, in_owner_only) for signum in signums}
    _restore_in_child.update(previous)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
            _restore_in_child.pop(signum, None)


def _register_child_reset() -> None:
    global _reset_registered
    if not _reset_registered:
        os.register_at_fork(after_in_child=_reset_in_child)
        _reset_registered = True


def _reset_in_child() -> None:
    for signum, old in _restore_in_child.items():
        signal.signal(signum, old)
    _restore_in_child.clear()


def disable_openvino_telemetry() -> None:
    """Keep OpenVINO's converter (and NNCF) from sending usage statistics: both fall back to a no-op when
    the `openvino_telemetry` package cannot be imported, which a None entry in sys.modules ensures.
    Setting EDGETRACK_OPENVINO_TELEMETRY=1 leaves OpenVINO's own consent handling in charge."""
    if os.environ.get(TELEMETRY_OPT_IN) == "1":
        return
    sys.modules["openvino_telemetry"] = None


def quiet_native_logs() -> None:
    """Keep OpenCV's and ffmpeg's log lines (a camera index that does not open, "moov atom not found"
    for a damaged video, a refused stream) off stderr, where they came before edgetrack's own error or
    warning about the same fault. Called before OpenCV is imported; a user's own OPENCV_LOG_LEVEL or
    OPENCV_FFMPEG_LOGLEVEL (for debugging) is kept."""
    for name, level in NATIVE_LOG_LEVELS.items():
        os.environ.setdefault(name, level)
