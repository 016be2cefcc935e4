"""Where a tracking run's boxes go, frame by frame: box lines (text or JSON lines, a file or stdout),
the annotated video and, only when there is ground truth to score, an in-memory list for the AUC.
Nothing else is kept, so an endless source runs in fixed memory."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import numpy as np

from edgetrack.runtime.sources import Frame
from edgetrack.runtime.writers import AnnotatedVideoWriter, BoxTextWriter, JsonLinesWriter


class _NothingTracked(Exception):
    """Closes the writers of a run that tracked no frame: they discard their (empty) files."""


class TrackOutputs:
    """A context manager: the writers commit when it exits cleanly after at least one tracked frame;
    on an error, or when nothing was tracked (stopped before the operator gave a box), they leave no file.

    A source frame missing between tracked ones (undecodable, or dropped by a live source) repeats the
    last box with score 0. With `start_box` (the box known before the first frame: --init or ground
    truth) lines start at frame 0, frames before the first decodable one getting that box with score 0,
    so line i is frame i; otherwise (a box drawn on the live page) they start at the first tracked frame.

    `write` takes boxes in the frame's pixels; with `scale` (frame pixels per source pixel, below 1 for
    reduced decoding) the lines, the kept boxes and `start_box` are in the source's full-size pixels,
    the video keeps the decoded frame's size."""

    def __init__(
        self,
        save_txt: Path | str | None = None,
        save_jsonl: Path | str | None = None,
        save_video: Path | None = None,
        fps: float = 30.0,
        keep_boxes: bool = False,
        start_box=None,
        scale: float = 1.0,
    ) -> None:
        with ExitStack() as stack:  # a writer that cannot open drops those opened before it
            self._lines = [
                stack.enter_context(writer(path))
                for writer, path in ((BoxTextWriter, save_txt), (JsonLinesWriter, save_jsonl))
                if path
            ]
            self._video = stack.enter_context(AnnotatedVideoWriter(save_video, fps)) if save_video else None
            self._writers = stack.pop_all()
        self._boxes: list[tuple] | None = [] if keep_boxes else None
        self.first_index: int | None = None if start_box is None else 0
        self.tracked = 0  # frames tracked and written (the video's frame count)
        self._last_box: tuple | None = None if start_box is None else tuple(start_box)
        self._next_index = 0
        self._scale = scale

    def __enter__(self) -> TrackOutputs:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None and self.tracked == 0:
            exc_type, exc = _NothingTracked, _NothingTracked()
        return self._writers.__exit__(exc_type, exc, tb)

    def write(self, frame: Frame, box, score: float) -> None:
        """One tracked frame (`box` in its pixels): its line(s), after repeat lines for any source frames
        missing before it, and its video frame."""
        drawn, box = box, tuple(v / self._scale for v in box)
        if self.first_index is None:
            self.first_index = self._next_index = frame.index
        missing = range(self._next_index, frame.index)
        for index, row_box, row_score in [
            *((i, self._last_box, 0.0) for i in missing),
            (frame.index, box, score),
        ]:
            for writer in self._lines:
                writer.write(row_box, row_score, index)
            if self._boxes is not None:
                self._boxes.append(tuple(row_box))
        self._last_box = tuple(box)
        if self._video is not None:
            self._video.write(frame.rgb, drawn, score)
        self._next_index = frame.index + 1
        self.tracked += 1

    def boxes(self) -> np.ndarray | None:
        """(N,4) boxes per source frame from `first_index`; None unless `keep_boxes`."""
        return None if self._boxes is None else np.asarray(self._boxes, np.float64).reshape(-1, 4)
