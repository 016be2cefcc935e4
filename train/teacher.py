"""A black-box teacher: a tracker file (ONNX or OpenVINO IR) that fits the model contract, run by
edgetrack's runtime without gradients, turned into training targets for a student.

The teacher sees the same image regions as the student's training pair, cropped at the teacher's own
sizes (`edgetrack.train.processing.PairProcessing` with teacher sizes makes them). Its outputs become
targets on the student's grid:
- `teacher_score` (1,N,N): the teacher's score map resampled onto the student's N x N map (a cell of an
  M x M map stands for the target centre at i/M of the crop, OSTrack's label convention, so student
  cell j reads the teacher's map at j*M/N, bilinearly), clipped to [0, 1];
- `teacher_box` (4,): the box at the teacher's peak, x,y,w,h normalised to the search crop;
- `teacher_confidence` (): the teacher's peak score, clipped to [0, 1].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgetrack.errors import EdgetrackError
from edgetrack.postprocess import decode_peak
from edgetrack.preprocess import Normalizer
from edgetrack.runtime.backends import MODEL_SUFFIXES, Backend, check_model_file, open_backend
from edgetrack.runtime.metadata import ModelSpec


def is_tracker_file(path: Path | str) -> bool:
    """True for an .onnx or .xml path: a black-box teacher, not a torch checkpoint."""
    return Path(path).suffix.lower() in MODEL_SUFFIXES


def resample_score_map(score: np.ndarray, size: int) -> np.ndarray:
    """An M x M score map read at the positions of an N x N map's cells (cell j of N at j*M/N of M's
    cells, bilinear, clamped at the border) -> N x N float32."""
    score = np.asarray(score, dtype=np.float32).reshape(score.shape[-2:])
    m = score.shape[-1]
    if m == size:
        return score.copy()
    pos = np.minimum(np.arange(size, dtype=np.float64) * m / size, m - 1)
    low = np.floor(pos).astype(int)
    high = np.minimum(low + 1, m - 1)
    frac = (pos - low).astype(np.float32)
    rows = score[low] * (1 - frac)[:, None] + score[high] * frac[:, None]
    return rows[:, low] * (1 - frac)[None, :] + rows[:, high] * frac[None, :]


class BlackBoxTeacher:
    """A tracker file as a teacher. The inference session opens lazily in each process that uses it
    (data-loader workers included), so the object pickles as its path and settings."""

    def __init__(self, path: Path | str, student_map_size: int, threads: int = 1):
        self.path = check_model_file(path)
        self.student_map_size = int(student_map_size)
        self.threads = int(threads)
        self._backend: Backend | None = None
        self.spec: ModelSpec = self.backend.spec  # opening it checks the model contract
        self._normalize = Normalizer(self.spec.mean, self.spec.std, self.spec.scale, self.spec.color == "BGR")

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            kind = "openvino" if self.path.suffix.lower() == ".xml" else "onnxruntime"
            try:
                self._backend = open_backend(self.path, kind, self.threads)
            except EdgetrackError as exc:
                raise EdgetrackError(f"teacher {self.path} does not fit the model contract: {exc}") from exc
        return self._backend

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_backend": None}

    def check_regions(self, template_factor: float, search_factor: float) -> None:
        """The teacher is shown the student's crop regions: its own crop factors must be the same."""
        mine = (self.spec.template_factor, self.spec.search_factor)
        if mine != (template_factor, search_factor):
            raise EdgetrackError(
                f"teacher {self.path.name} crops {mine[0]}x / {mine[1]}x the box but the student "
                f"{template_factor}x / {search_factor}x; give the student the teacher's factors"
            )

    def targets(self, template_pixels: np.ndarray, search_pixels: np.ndarray) -> dict:
        """Targets from HxWx3 RGB pixel crops (float or uint8) of the teacher's sizes."""
        template = self._normalize(template_pixels)
        search = self._normalize(search_pixels)
        score, size, offset = self.backend.run(template, search)
        (cx, cy, w, h), peak = decode_peak(score, size, offset)
        return {
            "teacher_score": np.clip(resample_score_map(score, self.student_map_size), 0, 1)[None],
            "teacher_box": np.array([cx - 0.5 * w, cy - 0.5 * h, w, h], dtype=np.float32),
            "teacher_confidence": np.float32(np.clip(peak, 0, 1)),
        }
