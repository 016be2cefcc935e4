"""Output files written atomically: into a temporary file beside the target, moved onto it only when
the run ends well. An interrupted or failed run leaves neither a half file nor the temporary.
Box lines can instead stream to stdout (path `-`), one flushed line per frame."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import sys
from pathlib import Path

import cv2
import numpy as np

from edgetrack.errors import EdgetrackError

BOX_COLOR_RGB = (0, 255, 0)
STDOUT = "-"  # a box output path that means: stream the lines to stdout


class AtomicOutput:
    """A temporary file in the target's folder; `commit()` moves it onto the target, `discard()` drops it.

    As a context manager it commits on a clean exit and discards on any exception.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise EdgetrackError(f"cannot write {self.path}: folder {self.path.parent} does not exist")
        if self.path.is_dir():
            raise EdgetrackError(f"cannot write {self.path}: it is a folder; give a file name")
        remove_stale_temporaries(self.path)
        hidden = f".{self.path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp{self.path.suffix}"
        self.tmp_path = self.path.parent / hidden
        try:
            self.tmp_path.touch(exist_ok=False)  # fails here, naming the cause, if the folder is not writable
        except OSError as exc:
            raise write_error(self.path, exc) from exc

    def _close(self) -> None:
        """Flush and close the temporary file (subclasses)."""

    def _check(self) -> None:
        """Raise EdgetrackError if the closed temporary file is not a complete output (subclasses)."""

    def commit(self) -> None:
        """Close, check and move the temporary file onto the target; on any failure the target is kept."""
        try:
            self._close()
            self._check()
            os.replace(self.tmp_path, self.path)
        except OSError as exc:
            self.tmp_path.unlink(missing_ok=True)
            raise write_error(self.path, exc) from exc
        except EdgetrackError:
            self.tmp_path.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # the write that failed may fail again while flushing
            self._close()
        self.tmp_path.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def write_error(path: Path, exc: OSError) -> EdgetrackError:
    """A one-line error for a failed write (disk full, file size limit, read-only, permission)."""
    return EdgetrackError(f"cannot write {path}: {exc.strerror or exc}; an earlier {path.name} is kept")


def remove_stale_temporaries(path: Path) -> None:
    """Delete hidden temporaries of `path` left by killed runs (their process no longer exists)."""
    pattern = f".{glob.escape(path.name)}.*.tmp{glob.escape(path.suffix)}"
    for stale in path.parent.glob(pattern):
        pid = stale.name[len(path.name) + 2 :].split("-", 1)[0]
        if pid.isdigit() and not _process_exists(int(pid)):
            stale.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class LinesOutput(AtomicOutput):
    """Text lines into a file written atomically or, for the path `-`, straight to stdout (each line
    flushed at once, for a pipe)."""

    def __init__(self, path: Path | str):
        self.to_stdout = str(path) == STDOUT
        if self.to_stdout:
            self.path = Path(STDOUT)
            self._file = sys.stdout
        else:
            super().__init__(path)
            self._file = open(self.tmp_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in _close)

    def write_line(self, text: str) -> None:
        if self.to_stdout:  # a reader that went away raises BrokenPipeError: the run stops there
            self._file.write(text + "\n")
            self._file.flush()
            return
        try:
            self._file.write(text + "\n")
        except OSError as exc:
            raise write_error(self.path, exc) from exc

    def commit(self) -> None:
        if self.to_stdout:
            self._file.flush()
        else:
            super().commit()

    def discard(self) -> None:
        if not self.to_stdout:
            super().discard()

    def _close(self) -> None:
        if not self.to_stdout:
            self._file.close()


class BoxTextWriter(LinesOutput):
    """One line per frame: x,y,w,h,score."""

    def write(self, box, score: float, frame: int | None = None) -> None:
        x, y, w, h = box
        self.write_line(f"{x:.2f},{y:.2f},{w:.2f},{h:.2f},{score:.4f}")


class JsonLinesWriter(LinesOutput):
    """One JSON object per frame: {"frame": index in the source, "box": [x, y, w, h], "score": s}."""

    def write(self, box, score: float, frame: int | None = None) -> None:
        record = {"frame": frame, "box": [round(float(v), 2) for v in box], "score": round(float(score), 4)}
        self.write_line(json.dumps(record))


class AnnotatedVideoWriter(AtomicOutput):
    """An mp4v video of the frames with the box and score drawn; opened at the first frame's size."""

    def __init__(self, path: Path | str, fps: float = 30.0):
        super().__init__(path)
        self.fps = fps
        self._writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, frame_rgb: np.ndarray, box, score: float) -> None:
        if self._writer is None:
            height, width = frame_rgb.shape[:2]
            self._size = (width, height)
            fourcc = cv2.VideoWriter_fourcc(*"mp4v")
            self._writer = cv2.VideoWriter(str(self.tmp_path), fourcc, self.fps, self._size)
            if not self._writer.isOpened():
                raise EdgetrackError(f"cannot write video {self.path}: OpenCV has no mp4v writer here")
        bgr = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
        if bgr.shape[1::-1] != self._size:  # OpenCV drops frames of another size: scale them to the first's
            sx, sy = self._size[0] / bgr.shape[1], self._size[1] / bgr.shape[0]
            bgr = cv2.resize(bgr, self._size)
            box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
        x, y, w, h = (int(round(v)) for v in box)
        color_bgr = BOX_COLOR_RGB[::-1]
        cv2.rectangle(bgr, (x, y), (x + w, y + h), color_bgr, 2)
        cv2.putText(bgr, f"{score:.2f}", (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color_bgr, 1)
        self._writer.write(bgr)
        self.frames += 1

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def _check(self) -> None:
        """OpenCV's writer reports no write errors: read the closed file back and count its frames."""
        if self.frames == 0:
            raise EdgetrackError(f"nothing was written to {self.path}")
        capture = cv2.VideoCapture(str(self.tmp_path))
        try:
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
        finally:
            capture.release()
        if count != self.frames:
            raise EdgetrackError(
                f"cannot write video {self.path}: the file holds {count} of {self.frames} frames (disk full "
                f"or a file size limit?); an earlier {self.path.name} is kept"
            )
