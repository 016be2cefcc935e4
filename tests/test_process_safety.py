"""Process-wide safety of the CLI: signal handlers that forked children do not inherit, and OpenVINO's
usage reporting off by default."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

FORK_AND_TERM = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from edgetrack.cli.process import handle_signals
    from edgetrack.runtime.control import SIGNAL_EXIT_CODES, RunControl

    control = RunControl()
    pids = []

    def fork_from_worker():  # like a library's helper process, forked from a worker thread
        pid = os.fork()
        if pid == 0:
            if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
                os._exit(9)  # the child kept the run's SIGINT handler
            try:
                time.sleep(30)
            finally:
                os._exit(7)  # reached only if SIGTERM ran a Python handler in the child
        pids.append(pid)

    with handle_signals(control.on_signal, SIGNAL_EXIT_CODES):
        worker = threading.Thread(target=fork_from_worker)
        worker.start()
        worker.join()
        time.sleep(0.3)
        os.kill(pids[0], signal.SIGTERM)
        _, status = os.waitpid(pids[0], 0)
        print(os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)  # the parent still stops its run cleanly
        time.sleep(0.2)
    print(control.stop_reason, control.exit_code)
    print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
    """
)


def test_forked_child_dies_on_sigterm_instead_of_running_the_parents_handler():
    done = subprocess.run([sys.executable, "-c", FORK_AND_TERM], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["True", "SIGTERM 143", "True"], done.stdout + done.stderr


TELEMETRY = textwrap.dedent(
    """
    import sys
    from edgetrack.cli.process import disable_openvino_telemetry
    disable_openvino_telemetry()
    from openvino.tools.ovc import telemetry_utils
    print(telemetry_utils.tm.__name__)
    """
)


def test_openvino_telemetry_is_off_by_default_and_can_be_opted_in():
    env = {k: v for k, v in os.environ.items() if k != "EDGETRACK_OPENVINO_TELEMETRY"}
    off = subprocess.run([sys.executable, "-c", TELEMETRY], capture_output=True, text=True, env=env)
    assert off.stdout.strip() == "openvino.tools.ovc.telemetry_stub", off.stderr
    env["EDGETRACK_OPENVINO_TELEMETRY"] = "1"
    on = subprocess.run([sys.executable, "-c", TELEMETRY], capture_output=True, text=True, env=env)
    assert on.stdout.strip() == "openvino_telemetry", on.stderr


INTERRUPTED_EVAL = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    import cv2, numpy as np
    from pathlib import Path
    from slow_tracker import SlowTrackerFactory
    from edgetrack.datasets import open_dataset
    from edgetrack.evaluation.runner import run_evaluation

    root = Path(sys.argv[1])
    for name in ("a", "b", "c"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            cv2.imwrite(str(root / name / f"{i}.png"), np.zeros((32, 32, 3), np.uint8))
        (root / name / "groundtruth.txt").write_text("2,2,8,8\\n" * 3)
    data = open_dataset("custom", root)
    started = []

    def interrupt():
        time.sleep(6)  # spawned workers are tracking (5 s a frame)
        started.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    try:
        run_evaluation(SlowTrackerFactory(), data, data.names, root / "out", workers=2)
    except KeyboardInterrupt:
        print(f"stopped {time.perf_counter() - started[0]:.2f}")
    """
)


def test_parallel_eval_stops_soon_after_ctrl_c(tmp_path):
    tests = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", INTERRUPTED_EVAL, str(tmp_path / "data")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    stopped = [line for line in done.stdout.splitlines() if line.startswith("stopped")]
    assert stopped, done.stdout + done.stderr
    assert float(stopped[0].split()[1]) < 2.5
    assert "Traceback" not in done.stderr
