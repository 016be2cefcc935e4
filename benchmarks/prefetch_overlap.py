"""Does decoding on the reader thread overlap tracking? Sustained FPS and the CPU the run gets.

Usage: PYTHONPATH=$PWD python benchmarks/prefetch_overlap.py SEQUENCE MODEL [--rounds 3] [--threads 1]
Runs the sequence inline (`--prefetch 0`) and with the reader thread (`--prefetch 4`) in turn, `rounds`
times, in one process, and prints for each run: decode, pre-process and end-to-end ms (means, as
`track` reports them), the serial figure 1000 / (decode + end-to-end), the sustained FPS (tracked
frames over wall time), and how many cores the process used meanwhile (its CPU time over wall time,
all threads). First it measures how many cores this session can get at all: two processes spin for
2 s and their CPU time is summed. Two stages overlap only when the session gets more than one core:
under Linux's autogroup scheduling each session (not each process) gets a fair share of the CPUs,
and `nice` orders processes only within a session.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import time

from edgetrack.runtime.prefetch import prefetched
from edgetrack.runtime.sources import open_source
from edgetrack.runtime.tracker import Tracker


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads) and of its reaped children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def session_cores(seconds: float = 2.0) -> float:
    """Cores two CPU-bound processes get together here: about 2 on a free 2-core machine."""
    start_cpu, start = cpu_seconds(), time.perf_counter()
    spinners = [multiprocessing.Process(target=_spin, args=(seconds,)) for _ in range(2)]
    for process in spinners:
        process.start()
    for process in spinners:
        process.join()
    return (cpu_seconds() - start_cpu) / (time.perf_counter() - start)


def run(tracker: Tracker, sequence: str, depth: int) -> dict:
    """Track the sequence once with `depth` frames decoded ahead (0: inline); the run's figures."""
    decode, preprocess, end_to_end = [], [], []
    start_cpu, start = cpu_seconds(), time.perf_counter()
    with prefetched(open_source(sequence), depth) as source:
        frames = iter(source)
        first = next(frames)
        tracker.init(first.rgb, source.init_box)
        tracking = time.perf_counter()
        for frame in frames:
            timings = tracker.track(frame.rgb).timings
            decode.append(frame.decode_ms)
            preprocess.append(timings["preprocess"])
            end_to_end.append(sum(timings.values()))
    end = time.perf_counter()
    serial = 1e3 / (statistics.mean(decode) + statistics.mean(end_to_end))
    sustained = len(end_to_end) / (end - tracking)
    return {
        "decode": statistics.mean(decode), "pre": statistics.mean(preprocess),
        "e2e": statistics.mean(end_to_end), "serial": serial, "sustained": sustained,
        "ratio": sustained / serial, "cores": (cpu_seconds() - start_cpu) / (end - start),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sequence")
    parser.add_argument("model")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backend", default="onnxruntime")
    args = parser.parse_args()
    print(f"this session gets {session_cores():.2f} cores (load average {os.getloadavg()[0]:.1f})")
    tracker = Tracker(args.model, backend=args.backend, threads=args.threads)
    print("run       decode ms  pre ms  e2e ms  serial FPS  sustained FPS  ratio  cores used  load")
    for _ in range(args.rounds):
        for name, depth in (("inline", 0), ("prefetch", 4)):
            m = run(tracker, args.sequence, depth)
            print(
                f"{name:9s} {m['decode']:9.2f} {m['pre']:7.2f} {m['e2e']:7.2f} {m['serial']:11.1f} "
                f"{m['sustained']:14.1f} {m['ratio']:6.2f} {m['cores']:11.2f} {os.getloadavg()[0]:5.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
