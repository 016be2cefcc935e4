"""Process-wide setup of the CLI: a SIGTERM handler that forked children do not inherit, OpenVINO's
usage reporting off unless the user opts in (EDGETRACK_OPENVINO_TELEMETRY=1), and OpenCV's and
ffmpeg's own log lines off stderr unless the user asks for them."""

from __future__ import annotations

import os
import signal
import sys

TELEMETRY_OPT_IN = "EDGETRACK_OPENVINO_TELEMETRY"
# read by OpenCV when it loads and by its ffmpeg backend when it starts: OFF, and ffmpeg's AV_LOG_QUIET
NATIVE_LOG_LEVELS = {"OPENCV_LOG_LEVEL": "OFF", "OPENCV_FFMPEG_LOGLEVEL": "-8"}
_reset_registered = False


def install_sigterm_exit(code: int = 143) -> None:
    """On SIGTERM, exit with `code` through SystemExit (so atomic outputs are discarded), in this process
    only: a child forked from any thread gets the default action back, so it dies on SIGTERM instead of
    running this process's cleanup (a library's helper process could otherwise hang its parent)."""
    global _reset_registered
    owner = os.getpid()

    def handler(signum, frame):
        if os.getpid() != owner:  # a forked child that runs Python code before the at-fork reset
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        sys.exit(code)

    signal.signal(signal.SIGTERM, handler)
    if not _reset_registered:
        os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
        _reset_registered = True


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
