"""Result files in the layouts the official toolkits read, written atomically (temp file + os.replace).

- txt (OTB, UAV123, DTB70, LaSOT, NFS, ...): OUT/<seq>.txt, one `x,y,w,h` line a frame; times in
  OUT/times/<seq>_time.txt;
- got10k: OUT/<seq>/<seq>_001.txt and OUT/<seq>/<seq>_time.txt (the box file is written last: it marks
  the sequence finished);
- trackingnet: OUT/<seq>.txt, the submission folder (zip its .txt files for the server)."""

from __future__ import annotations

import glob
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from edgetrack.datasets.sequence import load_boxes
from edgetrack.errors import EdgetrackError
from edgetrack.textfile import read_text


def box_file(out: Path, name: str, fmt: str) -> Path:
    """Where the boxes of sequence `name` go for result format `fmt`."""
    return out / name / f"{name}_001.txt" if fmt == "got10k" else out / f"{name}.txt"


def time_file(out: Path, name: str, fmt: str) -> Path:
    """Where the per-frame times of sequence `name` go."""
    return out / name / f"{name}_time.txt" if fmt == "got10k" else out / "times" / f"{name}_time.txt"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temp file in the same folder, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_result(out: Path, name: str, boxes: np.ndarray, times: np.ndarray, fmt: str) -> None:
    """Write one sequence's boxes (N, 4) and per-frame seconds (N,); the box file last."""
    write_atomic(time_file(out, name, fmt), "".join(f"{t:.6f}\n" for t in times))
    write_atomic(box_file(out, name, fmt), "".join(",".join(f"{v:.3f}" for v in b) + "\n" for b in boxes))


def is_finished(out: Path, name: str, fmt: str) -> bool:
    """True when the sequence's box file exists (it is only ever written whole)."""
    return box_file(out, name, fmt).is_file()


def result_names(name: str) -> list[str]:
    """File names a sequence's results may carry: its own, and for an OTB target `Seq-N` also
    pytracking's `Seq_N` and the got10k toolkit's `Seq.N`."""
    match = re.fullmatch(r"(.+)-(\d+)", name)
    return [name] + ([f"{match[1]}_{match[2]}", f"{match[1]}.{match[2]}"] if match else [])


def find_box_files(results: Path, name: str) -> list[Path]:
    """A sequence's result files in any supported layout: every GOT-10k run <seq>/<seq>_NNN.txt (in
    order), else <seq>.txt (also other trackers' names for OTB targets, see `result_names`)."""
    for alias in result_names(name):
        runs = sorted((results / alias).glob(f"{glob.escape(alias)}_[0-9][0-9][0-9].txt"))
        if runs:
            return runs
        if (results / f"{alias}.txt").is_file():
            return [results / f"{alias}.txt"]
    raise EdgetrackError(f"{results}: no result for sequence {name} ({name}.txt or {name}/{name}_001.txt)")


def find_box_file(results: Path, name: str) -> Path:
    """A sequence's (first) result file."""
    return find_box_files(results, name)[0]


def read_boxes(results: Path, name: str) -> np.ndarray:
    """A sequence's predicted boxes from a results folder (the first run where there are several)."""
    return load_boxes(find_box_file(results, name))


def read_box_runs(results: Path, name: str) -> list[np.ndarray]:
    """Every run's predicted boxes of a sequence (GOT-10k's <seq>_001.txt, _002.txt, ...)."""
    return [load_boxes(path) for path in find_box_files(results, name)]


def read_times(results: Path, name: str) -> np.ndarray | None:
    """Per-frame seconds if a time file exists in either layout, else None."""
    for candidate in (results / name / f"{name}_time.txt", results / "times" / f"{name}_time.txt"):
        if candidate.is_file():
            values = read_text(candidate).split()
            try:
                return np.array([float(v) for v in values])
            except ValueError as exc:
                raise EdgetrackError(f"{candidate}: not a list of times ({exc})") from exc
    return None
