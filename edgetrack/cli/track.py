"""`edgetrack track`: follow one object through a video, image folder, sequence, camera or stream."""

from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.markup import escape

from edgetrack.cli.options import backend_option, flag, precision_option, threads_option
from edgetrack.errors import EdgetrackError

if TYPE_CHECKING:  # imported lazily at run time: `edgetrack --help` stays light
    import numpy as np

    from edgetrack.runtime.profiling import LatencyStats

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
    backend: str = backend_option(),
    threads: int | None = threads_option(),
    precision: str = precision_option(),
    min_score: float | None = typer.Option(
        None,
        "--min-score",
        help="Lost-target threshold in [0, 1): below it the last box is kept (default: the model's, else 0).",
    ),
    save_txt: str | None = typer.Option(
        None, "--save-txt", help="Write x,y,w,h,score per frame here ('-': stream to stdout)."
    ),
    save_jsonl: str | None = typer.Option(
        None,
        "--save-jsonl",
        help="One JSON object per frame here: frame, box, score ('-': stream to stdout).",
    ),
    save_video: Path | None = typer.Option(None, "--save-video", help="Write an annotated mp4v video here."),
    show: bool = flag(False, "--show", help="Show the frames in a window (q or Esc stops)."),
    serve: str | None = typer.Option(
        None,
        "--serve",
        metavar="[HOST:]PORT",
        help="Serve a live page: the picture, drag a box to (re)start, pause, stop, a JSON box stream. "
        "Binds 127.0.0.1 unless HOST is given; any other HOST needs the access token printed at start.",
    ),
    realtime: bool = flag(
        False, "--realtime", help="Play a file at its frame rate, as a live stream (on with --serve)."
    ),
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
    from edgetrack.runtime.writers import STDOUT
    from edgetrack.serve.address import parse_serve_address

    init_box = parse_box(init) if init is not None else None
    address = parse_serve_address(serve) if serve is not None else None
    if min_score is not None and not 0.0 <= min_score < 1.0:
        raise EdgetrackError(f"--min-score must lie in [0, 1), got {min_score}")
    if STDOUT in (save_txt, save_jsonl) and save_txt == save_jsonl:
        raise EdgetrackError("--save-txt - and --save-jsonl - cannot both stream to stdout")
    if model is None:
        builtin_notice()
    with prefetched(open_source(source, decode_reduce), prefetch) as frames_source:
        run = track_source(
            frames_source, model or builtin_model_path(), init_box, label=source, backend=backend,
            threads=threads, precision=precision, min_score=min_score, save_txt=save_txt,
            save_jsonl=save_jsonl, save_video=save_video, show=show, serve=address, realtime=realtime,
            max_frames=max_frames,
        )  # fmt: skip
    if run.exit_code:
        raise typer.Exit(run.exit_code)


@dataclass
class TrackRun:
    """How a run went: frames tracked (each with a line and a video frame), the latency statistics,
    why it stopped early (None: the source ended or --max-frames), the exit status, and the boxes per
    source frame (from frame 0, or from the first tracked one for a box drawn on the live page) when the
    source has ground truth (else None)."""

    tracked: int
    stats: LatencyStats
    stop_reason: str | None
    exit_code: int
    boxes: np.ndarray | None = None


def track_source(
    frames_source,
    model: Path,
    init_box=None,
    *,
    label: str,
    backend: str = "auto",
    threads: int | None = None,
    precision: str = "fp32",
    min_score: float | None = None,
    save_txt: Path | str | None = None,
    save_jsonl: Path | str | None = None,
    save_video: Path | None = None,
    show: bool = False,
    serve=None,
    realtime: bool = False,
    max_frames: int | None = None,
    title: str = "edgetrack track",
) -> TrackRun:
    """Track one object through an open `FrameSource` with the runtime Tracker: write the boxes and the
    annotated video atomically, print the AUC (when the source has ground truth) and the latency table.

    SIGINT, SIGTERM, q/Esc (--show) and the live page's stop button end the run cleanly after a whole
    frame: the outputs are finished up to the last tracked frame. `serve` (a ServeAddress) starts the
    live page; without an init box the tracker then waits for the operator's box."""
    import cv2

    from edgetrack.cli.process import handle_signals
    from edgetrack.metrics import success_auc
    from edgetrack.runtime.control import SIGNAL_EXIT_CODES, RunControl, StopRequested
    from edgetrack.runtime.outputs import TrackOutputs
    from edgetrack.runtime.profiling import LatencyStats
    from edgetrack.runtime.tracker import Tracker
    from edgetrack.runtime.writers import STDOUT

    console = Console(stderr=True)
    _log_warnings_to(console, "edgetrack", "aiohttp")
    init_box = init_box or frames_source.init_box
    if init_box is None and serve is None:
        raise EdgetrackError(
            f"{label} has no usable first ground-truth box: give the object's box with --init x,y,w,h, "
            "or pick it on the live picture with --serve [HOST:]PORT"
        )
    scale = frames_source.scale  # frame pixels per source pixel (reduced decoding)
    control = RunControl()
    stats = LatencyStats()
    with ExitStack() as stack:
        stack.enter_context(handle_signals(control.on_signal, SIGNAL_EXIT_CODES))
        server = _start_server(stack, serve, control, label, console) if serve is not None else None
        tracker = Tracker(model, backend=backend, threads=threads, precision=precision, min_score=min_score)
        outputs = stack.enter_context(
            TrackOutputs(
                save_txt, save_jsonl, save_video, frames_source.fps, keep_boxes=frames_source.gt is not None,
                start_box=init_box, scale=scale,
            )
        )  # fmt: skip
        if show and _window_opens(cv2):
            stack.callback(cv2.destroyAllWindows)
        else:
            show = False
        if init_box is not None:
            control.request_box([v * scale for v in init_box])
        pace = _Pacer(frames_source.fps) if (realtime or serve) and not frames_source.live else None
        total = min((n for n in (frames_source.length, max_frames) if n), default=None)
        status = stack.enter_context(console.status("", spinner="dots"))
        frames = stack.enter_context(closing(iter(frames_source)))  # a stop also stops a reader thread
        sizes = FrameSizes()
        count = 0
        try:
            while not control.stopped:
                with control.interruptible():
                    frame = next(frames, None)
                    if frame is None:
                        break
                    if pace:
                        pace.wait()
                count += 1
                sizes.check(frame)
                record = _step(tracker, frame, control.take_box(), stats)
                if record["init"]:
                    stats.start()  # the sustained rate counts from the tracker's (re)init
                if record["state"] == "tracking":
                    outputs.write(frame, tracker.box, record["score"])
                if server:
                    server.publish(frame.rgb, record)
                status.update(_status_line(count, total, stats, record, frames_source.dropped))
                if show and _show_frame(cv2, frame.rgb, tracker.box):
                    control.stop("q key")
                if count == max_frames:
                    break
                if control.paused:
                    _hold(control, tracker, frame, record, server, stats, outputs)
                    stats.start()  # a pause is not tracking time
                    if pace:
                        pace.restart()
        except StopRequested:  # frames the reader decoded ahead but not tracked are dropped
            pass
        except KeyboardInterrupt:  # a second Ctrl-C (or one raised inside a library) during a frame
            control.stop("SIGINT", 130)
        except BrokenPipeError:  # the reader of --save-txt - / --save-jsonl - went away
            control.stop("stdout closed")
        if count == 0 and not control.stopped:
            raise EdgetrackError(f"{label}: no frame could be read")
    _report(console, label, tracker, control, outputs, stats, frames_source, success_auc)
    streamed = STDOUT in (str(save_txt), str(save_jsonl))
    Console(stderr=streamed).print(stats.table(title=f"{title} · {tracker.backend.name}"))
    paths = [path for path in (save_txt, save_jsonl, save_video) if path and str(path) != STDOUT]
    for path in paths if outputs.tracked else []:
        console.print(f"wrote {path}")
    if paths and not outputs.tracked:
        log.warning("nothing was tracked (no box was given): no output written")
    return TrackRun(outputs.tracked, stats, control.stop_reason, control.exit_code, outputs.boxes())


def _start_server(stack: ExitStack, address, control, label: str, console: Console):
    """Listen on `address` (an address in use is an error before any frame) and print the page's URL."""
    try:
        from edgetrack.serve import LiveServer
    except ImportError as exc:  # aiohttp is the optional extra `serve`
        raise EdgetrackError("--serve needs the web server: pip install 'edgetrack[serve]'") from exc
    server = stack.enter_context(LiveServer(address, control, title=f"edgetrack · {_display_name(label)}"))
    console.print(f"live page: [bold]{server.url}[/]", highlight=False, soft_wrap=True)
    if server.token:
        console.print("every request needs that token (?token=... or Authorization: Bearer ...)")
    return server


def _display_name(label: str) -> str:
    """A source's name for the page title: a file's name, or a URL without its user and password."""
    parts = urlsplit(label)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return Path(label).name or label


def _step(tracker, frame, new_box, stats) -> dict:
    """Init on `new_box` if the operator gave one, else track (once initialised): the frame's record."""
    if new_box is not None:
        tracker.init(frame.rgb, new_box)
        return _record(frame, "tracking", tracker.box, 1.0, stats, init=True)
    if tracker.box is None:
        return _record(frame, "waiting", None, None, stats)
    result = tracker.track(frame.rgb)
    stats.add(frame.decode_ms, result.timings)
    return _record(frame, "tracking", result.box, result.score, stats)


def _hold(control, tracker, frame, record, server, stats, outputs) -> None:
    """Paused: keep this frame on the page until resumed or stopped. A box drawn on it (re)starts the
    tracker on this frame; the frame's line is written then if it had none (the tracker was waiting)."""
    paused = {**record, "state": "paused", "init": False}
    written = record["state"] == "tracking"
    while control.paused and not control.stopped:
        if server:
            server.publish(frame.rgb, paused)
        control.wait_for_change(timeout=1.0)
        new_box = control.take_box()
        if new_box is not None:
            tracker.init(frame.rgb, new_box)
            paused = _record(frame, "paused", tracker.box, 1.0, stats, init=True)
            if not written:
                outputs.write(frame, tracker.box, 1.0)
                written = True


def _record(frame, state: str, box, score, stats, init: bool = False) -> dict:
    """The JSON record of one frame for the live page and the box stream."""
    height, width = frame.rgb.shape[:2]
    return {
        "frame": frame.index,
        "state": state,
        "box": None if box is None else [round(float(v), 2) for v in box],
        "score": None if score is None else round(float(score), 4),
        "init": init,
        "size": [width, height],
        "fps": round(stats.fps_end_to_end(), 1) if stats.frames else None,
        "ms": {stage: round(ms, 2) for stage, ms in stats.last().items()},
        "time": round(time.time(), 3),
    }


def _report(console, label, tracker, control, outputs, stats, frames_source, success_auc) -> None:
    """The summary lines on stderr: frames tracked, why the run stopped, the AUC if there is ground truth."""
    summary = f"tracked {outputs.tracked} frames of {label} with {tracker.backend.name}"
    if control.stop_reason:
        summary += f" (stopped: {control.stop_reason})"
    console.print(summary, soft_wrap=True, highlight=False)
    boxes = outputs.boxes()
    if boxes is not None and len(boxes) > 1:
        start = outputs.first_index
        gt = frames_source.gt[start : start + len(boxes)]
        if len(gt) == len(boxes):
            auc = success_auc(boxes, gt)
            console.print(
                f"success AUC vs ground truth (OTB convention, {len(boxes)} frames): {100 * auc:.1f}"
            )


class FrameSizes:
    """Warns once when a frame's size differs from the first frame's (a folder of mixed images)."""

    def __init__(self) -> None:
        self.shape, self.warned = None, False

    def check(self, frame) -> None:
        if self.shape is None:
            self.shape = frame.rgb.shape
        elif frame.rgb.shape != self.shape and not self.warned:
            (h, w), (h0, w0) = frame.rgb.shape[:2], self.shape[:2]
            log.warning(f"frame {frame.index} is {w}x{h}, the first frame {w0}x{h0}: the sizes differ")
            self.warned = True


class _Pacer:
    """Holds a file's frames to its frame rate, as the live stream it stands for would deliver them."""

    def __init__(self, fps: float) -> None:
        self.interval = 1.0 / fps
        self.restart()

    def restart(self) -> None:
        self._due: float | None = None

    def wait(self) -> None:
        now = time.perf_counter()
        if self._due is None or now - self._due > 1.0:  # first frame, or far behind: start afresh
            self._due = now
        time.sleep(max(0.0, self._due - now))
        self._due += self.interval


def _status_line(count: int, total: int | None, stats, record: dict, dropped: int) -> str:
    of_total = f"/{total}" if total else ""
    fps = f"{stats.fps_end_to_end():6.1f}" if stats.frames else "   -  "
    dropped_text = f" · dropped {dropped}" if dropped else ""
    what = "waiting for a box" if record["score"] is None else f"score {record['score']:.2f}"
    return f"frame {count}{of_total} · {fps} FPS (no decode) · {what}{dropped_text}"


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


def _log_warnings_to(console: Console, *names: str) -> None:
    """Route these loggers' warnings (the runtime's skipped frames, reconnects, --show; the web
    server's errors) to `console`, one line each."""
    for logger in map(logging.getLogger, names):
        for handler in [h for h in logger.handlers if isinstance(h, RichWarnings)]:
            logger.removeHandler(handler)
        logger.addHandler(RichWarnings(console))
        logger.propagate = False
