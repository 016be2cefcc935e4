"""`edgetrack track`: follow one object through a video, image folder, sequence, camera or stream."""

from __future__ import annotations

import logging
import os
import signal
import sys
from contextlib import ExitStack
from pathlib import Path

import typer
from rich.console import Console

from edgetrack.errors import EdgetrackError

log = logging.getLogger("edgetrack")
WINDOW = "edgetrack"


def track(
    source: str = typer.Argument(
        ..., help="Video file, image folder or glob, benchmark sequence folder, camera index (0) or URL."
    ),
    model: Path = typer.Option(..., "--model", "-m", help="Tracker model: .onnx or OpenVINO .xml."),
    init: str | None = typer.Option(
        None,
        "--init",
        help="Init box x,y,w,h in first-frame pixels; default: a sequence's first ground truth.",
    ),
    backend: str = typer.Option("auto", "--backend", help="auto, onnxruntime or openvino."),
    threads: int | None = typer.Option(None, "--threads", help="Inference threads (default: the library's)."),
    save_txt: Path | None = typer.Option(None, "--save-txt", help="Write x,y,w,h,score per frame here."),
    save_video: Path | None = typer.Option(None, "--save-video", help="Write an annotated mp4v video here."),
    show: bool = typer.Option(False, "--show", help="Show the frames in a window (q or Esc stops)."),
    max_frames: int | None = typer.Option(None, "--max-frames", min=1, help="Stop after N frames."),
) -> None:
    """Track one object and report per-stage latency and FPS."""
    import cv2

    from edgetrack.boxes import parse_box
    from edgetrack.runtime.profiling import LatencyStats
    from edgetrack.runtime.sources import open_source
    from edgetrack.runtime.tracker import Tracker
    from edgetrack.runtime.writers import AnnotatedVideoWriter, BoxTextWriter

    console = Console(stderr=True)
    _log_warnings_to(console)
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds, so outputs are discarded

    init_box = parse_box(init) if init is not None else None
    with ExitStack() as stack:
        frames_source = stack.enter_context(open_source(source))
        init_box = init_box or frames_source.init_box
        if init_box is None:
            raise EdgetrackError(f"{source} has no ground truth: give the object's box with --init x,y,w,h")
        tracker = Tracker(model, backend=backend, threads=threads)
        frames = iter(frames_source)
        first = next(frames, None)
        if first is None:
            raise EdgetrackError(f"{source}: no frame could be read")
        tracker.init(first.rgb, init_box)
        txt = stack.enter_context(BoxTextWriter(save_txt)) if save_txt else None
        video = (
            stack.enter_context(AnnotatedVideoWriter(save_video, frames_source.fps)) if save_video else None
        )
        show = show and _window_opens(cv2)
        if show:
            stack.callback(cv2.destroyAllWindows)
        stats = LatencyStats()
        last_box, last_index = tracker.box, first.index
        total = min(frames_source.length or max_frames, max_frames or frames_source.length or 0) or None
        status = console.status("", spinner="dots")
        stack.enter_context(status)
        for count, frame in enumerate(_with_first(first, frames), 1):
            if frame is first:
                box, score = init_box, 1.0
            else:
                result = tracker.track(frame.rgb)
                stats.add(frame.decode_ms, result.timings)
                box, score = result.box, result.score
            if txt:
                for _ in range(frame.index - last_index - 1):  # skipped frames keep the last box
                    txt.write(last_box, 0.0)
                txt.write(box, score)
            if video:
                video.write(frame.rgb, box, score)
            last_box, last_index = box, frame.index
            status.update(_status_line(count, total, stats, score, frames_source.dropped))
            if show and _show_frame(cv2, frame.rgb, box):
                break
            if max_frames and count >= max_frames:
                break
    console.print(f"tracked {stats.frames + 1} frames of {source} with {tracker.backend.name}")
    Console().print(stats.table(title=f"edgetrack track · {tracker.backend.name}"))
    for path in (save_txt, save_video):
        if path:
            console.print(f"wrote {path}")


def _with_first(first, frames):
    yield first
    yield from frames


def _status_line(count: int, total: int | None, stats, score: float, dropped: int) -> str:
    of_total = f"/{total}" if total else ""
    fps = f"{stats.fps_end_to_end():6.1f}" if stats.frames else "   -  "
    dropped_text = f" · dropped {dropped}" if dropped else ""
    return f"frame {count}{of_total} · {fps} FPS (no decode) · score {score:.2f}{dropped_text}"


def _window_opens(cv2) -> bool:
    """True if a window can be shown; else warn once (headless machine, or OpenCV without GUI)."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        log.warning("--show ignored: no display (DISPLAY is not set)")
        return False
    try:
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
    except cv2.error:
        log.warning("--show ignored: this OpenCV build has no GUI (opencv-python-headless)")
        return False
    return True


def _show_frame(cv2, frame_rgb, box) -> bool:
    """Draw and show one frame; True when the user pressed q or Esc."""
    bgr = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
    x, y, w, h = (int(round(v)) for v in box)
    cv2.rectangle(bgr, (x, y), (x + w, y + h), (0, 255, 0), 2)
    cv2.imshow(WINDOW, bgr)
    return cv2.waitKey(1) & 0xFF in (ord("q"), 27)


class RichWarnings(logging.Handler):
    """Prints log records as one yellow `warning:` line each on a rich console."""

    def __init__(self, console: Console):
        super().__init__(logging.WARNING)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        self.console.print(f"[yellow]warning:[/] {record.getMessage()}", highlight=False, soft_wrap=True)


def _log_warnings_to(console: Console) -> None:
    """Route the runtime's warnings (skipped frames, reconnects, --show) to `console`."""
    for handler in [h for h in log.handlers if isinstance(h, RichWarnings)]:
        log.removeHandler(handler)
    log.addHandler(RichWarnings(console))
    log.propagate = False
