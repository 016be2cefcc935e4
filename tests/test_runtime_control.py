"""RunControl: the operator's requests to the tracking loop, and stop signals."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from edgetrack.cli.process import handle_signals
from edgetrack.runtime.control import SIGNAL_EXIT_CODES, RunControl, StopRequested


def test_a_signal_interrupts_a_blocking_wait_and_the_handlers_are_restored():
    control = RunControl()
    before = signal.getsignal(signal.SIGTERM)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    start = time.monotonic()
    with handle_signals(control.on_signal, SIGNAL_EXIT_CODES), pytest.raises(StopRequested):
        control.wait_for_change(timeout=30)
    assert time.monotonic() - start < 10
    assert (control.stop_reason, control.exit_code) == ("SIGTERM", 143)
    assert signal.getsignal(signal.SIGTERM) is before


def test_between_frames_a_signal_only_asks_and_a_second_ctrl_c_interrupts():
    control = RunControl()
    with handle_signals(control.on_signal, SIGNAL_EXIT_CODES):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here: no exception outside an interruptible wait
        assert control.stopped and (control.stop_reason, control.exit_code) == ("SIGINT", 130)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    control.stop("stop button")  # the first reason is kept
    assert control.stop_reason == "SIGINT"


def test_requests_from_another_thread_wake_the_loop():
    control = RunControl()
    threading.Timer(0.1, control.request_box, ((1, 2, 3, 4),)).start()
    start = time.monotonic()
    control.wait_for_change(timeout=30)
    assert time.monotonic() - start < 10 and control.take_box() == (1.0, 2.0, 3.0, 4.0)
    assert control.take_box() is None
    control.set_paused(True)
    assert control.paused
    with pytest.raises(StopRequested), control.interruptible():  # already stopped: no wait at all
        control.stop("stop button")
        control.wait_for_change(timeout=30)
