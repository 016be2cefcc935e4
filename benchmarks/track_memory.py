"""Memory of `edgetrack track` on an endless live source: the process's RSS over a long generated stream.

    python benchmarks/track_memory.py [--frames 20000] [--fps 30] [--size 640x360]
        [--serve] [--out DIR]

A generated live source delivers a new 640x360 frame (a textured square drifting over a noisy
background) every 1/fps seconds, like a camera; `--fps 0` delivers as fast as the tracker takes them.
The run is `edgetrack track` itself (track_source with the built-in model): boxes to a text file and a
JSON-lines file, the annotated video, and with `--serve` the live page with one box-stream client and
one picture viewer connected for the whole run. The RSS (VmRSS) is sampled every 1000 frames; the
growth is counted from frame 1000 (after start-up: model, allocator and encoder warm-up) to the end.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from rich.console import Console
from rich.table import Table

from edgetrack.builtin import builtin_model_path
from edgetrack.cli.track import track_source
from edgetrack.runtime.sources import Frame, FrameSource

SAMPLE_EVERY = 1000
OUTPUTS = {
    "txt": ("save_txt", "boxes.txt"),
    "jsonl": ("save_jsonl", "boxes.jsonl"),
    "video": ("save_video", "tracked.mp4"),
}


def rss_mb() -> float:
    """This process's resident set size in MB (VmRSS, Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class GeneratedStream(FrameSource):
    """A live source of `frames` generated frames at `fps` (0: unpaced); samples the RSS as it goes."""

    live = True

    def __init__(self, frames: int, fps: float, size: tuple[int, int]) -> None:
        super().__init__(f"a generated {fps:g} FPS stream", fps=fps or 30.0)
        self.frames, self.interval = frames, (1.0 / fps if fps else 0.0)
        width, height = size
        rng = np.random.default_rng(0)
        self._background = rng.integers(0, 90, (height, width, 3), dtype=np.uint8)
        self._square = rng.integers(150, 255, (48, 64, 3), dtype=np.uint8)
        self.samples: list[tuple[int, float, float]] = []  # (frame, seconds, RSS MB)

    def box(self, index: int) -> tuple[float, float, float, float]:
        height, width = self._background.shape[:2]
        x = (width - 64) / 2 + (width / 3) * np.sin(index / 90)
        y = (height - 48) / 2 + (height / 4) * np.cos(index / 70)
        return float(int(x)), float(int(y)), 64.0, 48.0

    def __iter__(self):
        start = time.perf_counter()
        for index in range(self.frames):
            due = start + index * self.interval
            time.sleep(max(0.0, due - time.perf_counter()))
            rgb = self._background.copy()
            x, y, _, _ = (int(v) for v in self.box(index))
            rgb[y : y + 48, x : x + 64] = self._square
            if index % SAMPLE_EVERY == 0:
                self.samples.append((index, time.perf_counter() - start, rss_mb()))
            yield Frame(index, rgb, 0.0)
        self.samples.append((self.frames, time.perf_counter() - start, rss_mb()))


def watch(url: str, path: str, stop: threading.Event) -> None:
    """A client that reads a stream of the live page until `stop` (bytes are read and dropped)."""
    parts = urlsplit(url)
    while not stop.is_set():
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            connection.request("GET", "/" + path)
            break
        except ConnectionRefusedError:  # not listening yet
            time.sleep(0.2)
    response = connection.getresponse()
    while not stop.is_set() and response.read1(65536):
        pass
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--fps", type=float, default=30.0, help="0: as fast as the tracker takes frames")
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--serve", action="store_true", help="also serve the live page, with two clients")
    parser.add_argument(
        "--outputs", default=",".join(OUTPUTS), help=f"comma-separated, of {','.join(OUTPUTS)} ('' for none)"
    )
    parser.add_argument("--out", type=Path, default=Path("runs/track_memory"))
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    source = GeneratedStream(args.frames, args.fps, size)
    stop = threading.Event()
    serve = _attach_clients(stop) if args.serve else None
    before = rss_mb()
    chosen = [name for name in args.outputs.split(",") if name]
    outputs = {OUTPUTS[name][0]: args.out / OUTPUTS[name][1] for name in chosen}
    run = track_source(
        source, builtin_model_path(), source.box(0), label=source.name, threads=1, serve=serve, **outputs
    )
    stop.set()
    report(source.samples, before, run.tracked, args)


def _attach_clients(stop: threading.Event):
    """A free loopback port, and a box-stream client and a picture viewer that connect to it once the
    run's server listens there."""
    from edgetrack.serve import ServeAddress

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = ServeAddress("127.0.0.1", probe.getsockname()[1])
    for path in ("boxes", "video.mjpg"):
        threading.Thread(target=watch, args=(address.url(), path, stop), daemon=True).start()
    return address


def report(samples, before: float, tracked: int, args) -> None:
    table = Table(
        title=f"RSS over {tracked} tracked frames ({args.size}, {args.fps:g} FPS, serve {args.serve})"
    )
    for column in ("frame", "seconds", "RSS MB"):
        table.add_column(column, justify="right")
    for frame, seconds, rss in samples:
        table.add_row(str(frame), f"{seconds:.0f}", f"{rss:.1f}")
    base = next(rss for frame, _, rss in samples if frame >= SAMPLE_EVERY)
    growth = samples[-1][2] - base
    peak = max(rss for _, _, rss in samples)
    table.caption = (
        f"before the run {before:.1f} MB · growth from frame {SAMPLE_EVERY} to the end {growth:+.2f} MB "
        f"({1024 * growth / max(1, samples[-1][0] - SAMPLE_EVERY):+.3f} KB/frame) · peak {peak:.1f} MB"
    )
    Console(width=130).print(table)


if __name__ == "__main__":
    main()
