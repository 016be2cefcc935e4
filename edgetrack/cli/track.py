"""`edgetrack track`: follow one object through a video, image folder, sequence, camera or stream."""

from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from edgetrack.cli.options import flag
from edgetrack.errors import EdgetrackError

log = logging.getLogger("edgetrack")
WINDOW = "edgetrack"


def track(
    source: str = typer.Argument(
        ..., help="Video file, image folder or glob, benchmark sequence folder, camera index (0) or URL."
    ),
    model: Path | None = typer.Option(
        None, "--model", "-m", help="Tracker model: .onnx or OpenVINO .xml (default: the built-in one)."
    ),
    init: str | None = typer.Option(
        None,
        "--init",
        help="Init box x,y,w,h in first-frame pixels; default: a sequence's first ground truth.",
    ),
    backend: str = typer.Option("auto", "--backend", help="auto, onnxruntime or openvino."),
    threads: int | None = typer.Option(None, "--threads", help="Inference threads (default: the library's)."),
    precision: str = typer.Option(
        "fp32", "--precision", "-p", help="fp32, or bf16/fp16 on OpenVINO (bf16 is fast on CPUs with AMX)."
    ),
    save_txt: Path | None = typer.Option(None, "--save-txt", help="Write x,y,w,h,score per frame here."),
    save_video: Path | None = typer.Option(None, "--save-video", help="Write an annotated mp4v video here."),
    show: bool = flag(False, "--show", help="Show the frames in a window (q or Esc stops)."),
    max_frames: int | None = typer.Option(None, "--max-frames", min=1, help="Stop after N frames."),
    prefetch: int = typer.Option(
        4, "--prefetch", min=0, help="Frames decoded ahead on a reader thread (files, folders); 0: inline."
    ),
    decode_reduce: int = typer.Option(
        1, "--decode-reduce", help="Decode files at 1/N size (1, 2, 4, 8); boxes stay in full-frame pixels."
    ),
) -> None:
    """Track one object and report per-stage latency and FPS."""
    from edgetrack.boxes import parse_box
    from edgetrack.builtin import builtin_model_path, builtin_notice
    from edgetrack.runtime.prefetch import prefetched
    from edgetrack.runtime.sources import open_source

    init_box = parse_box(init) if init is not None else None
    if model is None:
        builtin_notice()
    with prefetched(open_source(source, decode_reduce), prefetch) as frames_source:
        track_source(
            frames_source, model or builtin_model_path(), init_box, label=source, backend=backend,
            threads=threads, precision=precision, save_txt=save_txt, save_video=save_video, show=show,
            max_frames=max_frames,
        )  # fmt: skip


def track_source(
    frames_source,
    model: Path,
    init_box=None,
    *,
    label: str,
    backend: str = "auto",
    threads: int | None = None,
    precision: str = "f32",
    save_txt: Path | None = None,
    save_video: Path | None = None,
    show: bool = False,
    max_frames: int | None = None,
    title: str = "edgetrack track",
):
    """Track one object through an open `FrameSource` with the runtime Tracker: write the boxes and the
    annotated video atomically, print the AUC (when the source has ground truth) and the latency table.
    Returns (boxes per source frame from frame 0 as an (N,4) array, LatencyStats)."""
    import cv2
    import numpy as np

    from edgetrack.cli.process import install_sigterm_exit
    from edgetrack.metrics import success_auc
    from edgetrack.runtime.profiling import LatencyStats
    from edgetrack.runtime.tracker import Tracker
    from edgetrack.runtime.writers import AnnotatedVideoWriter, BoxTextWriter

    console = Console(stderr=True)
    _log_warnings_to(console)
    if threading.current_thread() is threading.main_thread():
        install_sigterm_exit()  # unwinds, so outputs are discarded

    with ExitStack() as stack:
        init_box = init_box or frames_source.init_box
        if init_box is None:
            raise EdgetrackError(
                f"{label} has no usable first ground-truth box: give the object's box with --init x,y,w,h"
            )
        scale = frames_source.scale  # frame pixels per source pixel (reduced decoding)
        tracker = Tracker(model, backend=backend, threads=threads, precision=precision)
        frames = iter(frames_source)
        first = next(frames, None)
        if first is None:
            raise EdgetrackError(f"{label}: no frame could be read")
        tracker.init(first.rgb, [v * scale for v in init_box])
        txt = stack.enter_context(BoxTextWriter(save_txt)) if save_txt else None
        video = AnnotatedVideoWriter(save_video, frames_source.fps) if save_video else None
        if video:
            stack.enter_context(video)
        if show and _window_opens(cv2):
            stack.callback(cv2.destroyAllWindows)
        else:
            show = False
        stats = LatencyStats()
        # boxes per source frame from the first one; a skipped frame repeats the last box (score 0)
        boxes: list[tuple] = []
        # frames before the first decodable one get the init box with score 0: line i is frame i
        last_row, next_index = (*init_box, 0.0), 0
        sizes = FrameSizes(first.rgb.shape)
        total = min((n for n in (frames_source.length, max_frames) if n), default=None)
        status = stack.enter_context(console.status("", spinner="dots"))
        stats.start()
        for count, frame in enumerate(_with_first(first, frames), 1):
            if frame is first:
                box, score = tuple(init_box), 1.0
            else:
                result = tracker.track(frame.rgb)
                stats.add(frame.decode_ms, result.timings)
                box, score = tuple(v / scale for v in result.box), result.score
            sizes.check(frame)
            skipped = [(*last_row[:4], 0.0)] * (frame.index - next_index)
            for row in [*skipped, (*box, score)]:
                if txt:
                    txt.write(row[:4], row[4])
                boxes.append(row[:4])
            last_row, next_index = (*box, score), frame.index + 1
            drawn = [v * scale for v in box]  # in the decoded frame's pixels
            if video:
                video.write(frame.rgb, drawn, score)
            status.update(_status_line(count, total, stats, score, frames_source.dropped))
            if (show and _show_frame(cv2, frame.rgb, drawn)) or count == max_frames:
                break
    summary = f"tracked {stats.frames + 1} frames of {label} with {tracker.backend.name}"
    console.print(summary, soft_wrap=True, highlight=False)
    gt = frames_source.gt[: len(boxes)] if frames_source.gt is not None else []
    if len(gt) == len(boxes) > 1:
        auc = success_auc(np.asarray(boxes), gt)
        console.print(f"success AUC vs ground truth (OTB convention, {len(boxes)} frames): {100 * auc:.1f}")
    Console().print(stats.table(title=f"{title} · {tracker.backend.name}"))
    for path in (save_txt, save_video):
        if path:
            console.print(f"wrote {path}")
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4), stats


class FrameSizes:
    """Warns once when a frame's size differs from the first frame's (a folder of mixed images)."""

    def __init__(self, shape):
        self.shape, self.warned = shape, False

    def check(self, frame) -> None:
        if frame.rgb.shape != self.shape and not self.warned:
            (h, w), (h0, w0) = frame.rgb.shape[:2], self.shape[:2]
            log.warning(f"frame {frame.index} is {w}x{h}, the first frame {w0}x{h0}: the sizes differ")
            self.warned = True


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
        message = escape(record.getMessage())
        self.console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def _log_warnings_to(console: Console) -> None:
    """Route the runtime's warnings (skipped frames, reconnects, --show) to `console`."""
    for handler in [h for h in log.handlers if isinstance(h, RichWarnings)]:
        log.removeHandler(handler)
    log.addHandler(RichWarnings(console))
    log.propagate = False
