"""Frame sources for `edgetrack track`: video files, image folders or globs, benchmark sequence
folders, cameras and network streams. Every source yields `Frame`s: RGB pixels, the frame's index in
the source, and the time spent decoding it.

File sources never drop a frame; a frame that does not decode is skipped with a warning. Live sources
(a camera index, an rtsp:// or http(s):// URL) read on a background thread that keeps only the newest
frame, so a slow tracker always works on the present; a dropped stream is reopened a few times before
an EdgetrackError.
"""

from __future__ import annotations

import glob
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edgetrack.datasets.folder import is_sequence_folder, load_sequence_folder
from edgetrack.datasets.sequence import IMAGE_SUFFIXES, list_images
from edgetrack.errors import EdgetrackError

log = logging.getLogger(__name__)

GLOB_CHARS = "*?["
MAX_CAMERA_INDEX = 2**31 - 1  # OpenCV takes a C int
URL_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
MAX_BAD_VIDEO_FRAMES = 25  # consecutive undecodable frames before a video counts as ended


@dataclass
class Frame:
    """One decoded frame: index in the source, RGB uint8 pixels, decode time in milliseconds."""

    index: int
    rgb: np.ndarray
    decode_ms: float


class FrameSource:
    """Iterable of `Frame`s. `init_box`/`gt` come from a benchmark sequence's ground truth, if any."""

    live = False

    def __init__(self, name: str, length: int | None = None, fps: float = 30.0):
        self.name = name
        self.length = length
        self.fps = fps
        self.init_box: tuple[float, float, float, float] | None = None
        self.gt: np.ndarray | None = None
        self.dropped = 0

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the device or file."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ImageFiles(FrameSource):
    """A list of image files, read in order; an undecodable file is skipped with a warning."""

    def __init__(self, name: str, paths: list[Path]):
        super().__init__(name, length=len(paths))
        self.paths = paths

    def __iter__(self) -> Iterator[Frame]:
        for index, path in enumerate(self.paths):
            start = time.perf_counter()
            bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if bgr is None:
                log.warning("skipping frame %d: cannot decode %s", index, path)
                continue
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            yield Frame(index, rgb, 1e3 * (time.perf_counter() - start))


class ArrayFrames(FrameSource):
    """Frames already in memory (RGB uint8), with optional ground truth (N,4) x,y,w,h."""

    def __init__(self, name: str, frames: list[np.ndarray], gt: np.ndarray | None = None, fps: float = 30.0):
        super().__init__(name, length=len(frames), fps=fps)
        self.frames = frames
        if gt is not None:
            self.gt = np.asarray(gt, dtype=np.float64)
            self.init_box = tuple(float(v) for v in self.gt[0])

    def __iter__(self) -> Iterator[Frame]:
        for index, rgb in enumerate(self.frames):
            yield Frame(index, rgb, 0.0)


class VideoFile(FrameSource):
    """A video file read frame by frame; undecodable frames inside it are skipped with a warning."""

    def __init__(self, path: Path):
        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            raise EdgetrackError(f"cannot open video {path} (not a video, or a codec OpenCV lacks)")
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = capture.get(cv2.CAP_PROP_FPS)
        super().__init__(path.name, length=count if count > 0 else None, fps=fps if fps > 0 else 30.0)
        self._capture = capture
        self.path = path

    def __iter__(self) -> Iterator[Frame]:
        index, bad_in_a_row = 0, 0
        while True:
            start = time.perf_counter()
            ok, bgr = self._capture.read()
            if ok and bgr is not None:
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                yield Frame(index, rgb, 1e3 * (time.perf_counter() - start))
                bad_in_a_row = 0
            else:
                more = self.length is not None and index < self.length - 1
                if not more or bad_in_a_row >= MAX_BAD_VIDEO_FRAMES:
                    return
                log.warning("skipping frame %d of %s: it does not decode", index, self.path)
                bad_in_a_row += 1
            index += 1

    def close(self) -> None:
        self._capture.release()


class LiveStream(FrameSource):
    """A camera or network stream read on a thread that keeps only the newest frame.

    When reading fails the stream is reopened up to `retries` times, `retry_delay` seconds apart;
    after that, iterating raises an EdgetrackError.
    """

    live = True

    def __init__(self, target: int | str, retries: int = 3, retry_delay: float = 1.0):
        what = f"camera {target}" if isinstance(target, int) else f"stream {target}"
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            raise EdgetrackError(f"{what} does not open")
        fps = capture.get(cv2.CAP_PROP_FPS)
        super().__init__(what, fps=fps if 0 < fps < 1000 else 30.0)
        self._target, self._what = target, what
        self._retries, self._retry_delay = retries, retry_delay
        self._capture = capture
        self._newest: Frame | None = None
        self._error: EdgetrackError | None = None
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read_loop, name="edgetrack-reader", daemon=True)
        self._thread.start()

    def _read_loop(self) -> None:
        index, failures = 0, 0
        while not self._stop.is_set():
            start = time.perf_counter()
            ok, bgr = self._capture.read()
            if not ok or bgr is None:
                if failures >= self._retries:
                    self._publish(error=EdgetrackError(f"{self._what} stopped; {failures} reconnects failed"))
                    return
                failures += 1
                log.warning("%s dropped; reconnecting (%d/%d)", self._what, failures, self._retries)
                self._capture.release()
                if self._stop.wait(self._retry_delay):
                    return
                self._capture = cv2.VideoCapture(self._target)
                continue
            failures = 0
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            self._publish(frame=Frame(index, rgb, 1e3 * (time.perf_counter() - start)))
            index += 1

    def _publish(self, frame: Frame | None = None, error: EdgetrackError | None = None) -> None:
        with self._ready:
            if frame is not None:
                self.dropped += self._newest is not None
                self._newest = frame
            self._error = error or self._error
            self._ready.notify()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._newest is not None or self._error is not None)
                frame, self._newest = self._newest, None
                if frame is None:
                    raise self._error
            yield frame

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
        self._capture.release()


def _sequence_source(folder: Path) -> ImageFiles:
    sequence = load_sequence_folder(folder)
    source = ImageFiles(sequence.name, sequence.frames)
    source.gt = sequence.gt
    first = sequence.gt[0]
    usable = bool(np.all(np.isfinite(first)) and first[2] > 0 and first[3] > 0)
    source.init_box = tuple(float(v) for v in first) if usable else None  # else --init must give it
    return source


def open_source(text: str) -> FrameSource:
    """Open SOURCE: a camera index, a stream URL, a sequence folder, an image folder or glob, a video."""
    if text.isdigit():
        if int(text) > MAX_CAMERA_INDEX:
            raise EdgetrackError(f"camera index {text} is out of range (0..{MAX_CAMERA_INDEX})")
        return LiveStream(int(text))
    if text.lower().startswith(URL_SCHEMES):
        return LiveStream(text)
    path = Path(text)
    if path.is_dir():
        if is_sequence_folder(path):
            return _sequence_source(path)
        images = list_images(path)
        if not images:
            raise EdgetrackError(f"folder {path} holds no images ({', '.join(IMAGE_SUFFIXES)})")
        return ImageFiles(path.name, images)
    if path.is_file():
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return ImageFiles(path.name, [path])
        return VideoFile(path)
    if any(c in text for c in GLOB_CHARS):
        images = [Path(p) for p in glob.glob(text) if Path(p).suffix.lower() in IMAGE_SUFFIXES]
        if not images:
            raise EdgetrackError(f"no images match {text}")
        return ImageFiles(text, sorted(images, key=lambda p: (str(p.parent), len(p.stem), p.stem)))
    raise EdgetrackError(f"source {text} does not exist (a video, a folder, a glob, a camera index or a URL)")
