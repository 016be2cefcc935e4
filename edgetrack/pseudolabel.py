"""Pseudo ground truth for unlabelled footage: a teacher tracker follows each clip from its one
first-frame box, and the clip is written as a GOT-10k train sequence that `edgetrack train` /
`edgetrack distill` read (`kind: got10k_train`).

Clips in the input folder:
- a video `NAME.mp4` (.avi, .mov, .mkv, .webm, .m4v) with its first box in `NAME.txt` beside it;
- a folder of frames `NAME/` with its first box in `NAME/init.txt` (or the first line of its
  `groundtruth.txt`).
A box file holds x,y,w,h in frame pixels. With `--propose K` no box is needed: `edgetrack.mining`
proposes K targets per clip, each a stretch of `--clip-frames` frames from a random start.

The cache (`-o`) holds `list.txt`, one folder per clip (`%08d.jpg`, `groundtruth.txt` with the teacher's
boxes, `absence.label` marking frames where the teacher's peak score is below `min_score`, `cover.label`,
`meta_info.ini`) and `pseudo_label.json` naming the teacher (SHA-256) and the threshold. A cache made by
another teacher or threshold is refused. Each clip is written into a hidden folder and renamed when
complete, so an interrupted run resumes with the clips it has not finished.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from edgetrack.boxes import parse_box
from edgetrack.datasets.sequence import list_images
from edgetrack.errors import EdgetrackError
from edgetrack.runtime.sources import Frame, ImageFiles, VideoFile
from edgetrack.runtime.tracker import Tracker

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")
MANIFEST = "pseudo_label.json"
PARTIAL_PREFIX = ".partial-"
MAX_AREA_CHANGE = 2.0  # a mined track ends where its box area changes more than this


@dataclass(frozen=True)
class Clip:
    """One unlabelled clip: its name, where its frames are, its first-frame box (None until one is
    proposed) and the stretch of frames [start, start + length) it covers (length None: to the end)."""

    name: str
    path: Path
    init_box: tuple[float, float, float, float] | None
    start: int = 0
    length: int | None = None

    def frames(self) -> Iterator[Frame]:
        """The clip's frames, decoded in order (a folder's skipped frames are not decoded)."""
        stop = None if self.length is None else self.start + self.length
        if self.path.is_dir():
            with ImageFiles(self.name, list_images(self.path)[self.start : stop]) as source:
                yield from source
        else:
            with VideoFile(self.path) as source:
                yield from itertools.islice(source, self.start, stop)

    def frame_count(self) -> int:
        """Frames in the whole source (a video's count from its header)."""
        if self.path.is_dir():
            return len(list_images(self.path))
        with VideoFile(self.path) as source:
            return source.length or 0

    def with_target(self, name: str, box, start: int, length: int) -> Clip:
        """This clip's frames [start, start + length) as a new clip `name` with first box `box`."""
        return replace(self, name=name, init_box=tuple(float(v) for v in box), start=start, length=length)


def _read_box(path: Path, clip: str) -> tuple[float, float, float, float]:
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise EdgetrackError(f"clip {clip}: cannot read its first box from {path}: {exc}") from exc
    if not lines:
        raise EdgetrackError(f"clip {clip}: {path} is empty; it needs the first box x,y,w,h")
    x, y, w, h = parse_box(lines[0])
    if not all(np.isfinite((x, y, w, h))) or w <= 0 or h <= 0:
        raise EdgetrackError(f"clip {clip}: first box {lines[0]!r} in {path} has no positive size")
    return x, y, w, h


def find_clips(folder: Path | str, need_boxes: bool = True, exclude: tuple[str, ...] = ()) -> list[Clip]:
    """The clips of an unlabelled folder (less those named in `exclude`), each with its first box; an
    EdgetrackError names the first clip without one. With `need_boxes` False, clips without a box file
    are listed with no box (for proposed targets)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EdgetrackError(f"unlabelled footage folder {folder} does not exist")
    clips, excluded = [], set()
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES:
            clip, box_files, hint = path.stem, [path.with_suffix(".txt")], path.with_suffix(".txt")
        elif path.is_dir() and list_images(path):
            clip, box_files, hint = (
                path.name,
                [path / "init.txt", path / "groundtruth.txt"],
                path / "init.txt",
            )
        else:
            continue
        if clip in exclude:
            excluded.add(clip)
            continue
        box_file = next((f for f in box_files if f.is_file()), None)
        if box_file is None and need_boxes:
            raise EdgetrackError(f"clip {path.name} has no first box: write x,y,w,h into {hint}")
        clips.append(Clip(clip, path, None if box_file is None else _read_box(box_file, path.name)))
    unknown = sorted(set(exclude) - excluded)
    if unknown:
        raise EdgetrackError(f"{folder} holds no clip {unknown[0]!r} to exclude")
    if not clips:
        raise EdgetrackError(
            f"{folder} holds no clips (videos with NAME.txt beside them, or frame folders with init.txt)"
        )
    if len({c.name for c in clips}) != len(clips):
        raise EdgetrackError(f"{folder} holds two clips of the same name (a video and a folder?)")
    return clips


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def open_cache(
    cache: Path | str, teacher_name: str, teacher_sha256: str, min_score: float, proposals: dict | None = None
) -> Path:
    """Create the cache folder or check that an existing one was made by this teacher, threshold and
    target proposal settings; half-written clips of an interrupted run are removed."""
    cache = Path(cache)
    if cache.exists() and not cache.is_dir():
        raise EdgetrackError(f"pseudo-label cache {cache} is a file, not a folder")
    manifest_path = cache / MANIFEST
    wanted = {"teacher": teacher_name, "teacher_sha256": teacher_sha256, "min_score": float(min_score)}
    if proposals:
        wanted["proposals"] = proposals
    if manifest_path.is_file():
        try:
            found = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EdgetrackError(f"pseudo-label cache {cache}: unreadable {MANIFEST}: {exc}") from exc
        if found.get("teacher_sha256") != teacher_sha256 or found.get("min_score") != wanted["min_score"]:
            raise EdgetrackError(
                f"pseudo-label cache {cache} was made by teacher {found.get('teacher')} "
                f"(sha256 {str(found.get('teacher_sha256'))[:12]}, min-score {found.get('min_score')}), "
                f"not {teacher_name} (sha256 {teacher_sha256[:12]}, min-score {min_score}): "
                "give another -o or remove it"
            )
        if found.get("proposals") != wanted.get("proposals"):
            raise EdgetrackError(
                f"pseudo-label cache {cache} was made with target proposals {found.get('proposals')}, "
                f"not {wanted.get('proposals')}: give another -o or remove it"
            )
    elif cache.is_dir() and any(p for p in cache.iterdir() if not p.name.startswith(".")):
        raise EdgetrackError(f"{cache} is not empty and is not a pseudo-label cache; give another -o")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for stale in cache.glob(f"{PARTIAL_PREFIX}*"):
            shutil.rmtree(stale)
        if not manifest_path.is_file():
            _write_atomic(manifest_path, json.dumps(wanted, indent=1) + "\n")
    except OSError as exc:
        raise EdgetrackError(f"cannot write the pseudo-label cache {cache}: {exc}") from exc
    return cache


def label_clip(
    tracker: Tracker,
    clip: Clip,
    cache: Path,
    min_score: float,
    teacher_name: str,
    progress=None,
    end_on_loss: bool = False,
):
    """Track one clip with the teacher and write it into the cache as a GOT-10k train sequence: into a
    hidden folder, renamed when complete and removed on any failure or interruption. With `end_on_loss`
    (mined targets, which have no object boundary to hold the teacher) the track ends at the first frame
    the teacher loses the target or its box area leaves [1/MAX_AREA_CHANGE, MAX_AREA_CHANGE] times the
    first box's: that frame and all later ones are marked absent.
    Returns (frames written, frames marked absent)."""
    partial = cache / f"{PARTIAL_PREFIX}{clip.name}"
    partial.mkdir()
    try:
        counts = _write_clip(tracker, clip, partial, min_score, teacher_name, progress, end_on_loss)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    os.replace(partial, cache / clip.name)
    return counts


def _write_clip(tracker: Tracker, clip: Clip, partial: Path, min_score, teacher_name, progress, end_on_loss):
    boxes, absent = [], []
    width = height = 0
    first_area = clip.init_box[2] * clip.init_box[3]
    for frame in clip.frames():
        if not boxes:
            tracker.init(frame.rgb, clip.init_box)
            box, lost = clip.init_box, False
            height, width = frame.rgb.shape[:2]
        else:
            result = tracker.track(frame.rgb)
            box, lost = result.box, not result.score >= min_score  # NaN counts as lost
            if end_on_loss:
                area_change = box[2] * box[3] / first_area
                lost = lost or absent[-1] or not 1 / MAX_AREA_CHANGE <= area_change <= MAX_AREA_CHANGE
        name = partial / f"{len(boxes) + 1:08d}.jpg"
        if not cv2.imwrite(str(name), cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)):
            raise EdgetrackError(f"cannot write {name}")
        boxes.append(box)
        absent.append(lost)
        if progress is not None:
            progress()
    if len(boxes) < 2:
        raise EdgetrackError(f"clip {clip.name} has fewer than two readable frames")
    np.savetxt(partial / "groundtruth.txt", np.asarray(boxes), fmt="%.2f", delimiter=",")
    (partial / "absence.label").write_text("".join(f"{int(a)}\n" for a in absent), encoding="utf-8")
    (partial / "cover.label").write_text("".join("0\n" if a else "8\n" for a in absent), encoding="utf-8")
    (partial / "meta_info.ini").write_text(
        "[METAINFO]\n"
        f"source: {clip.path}\n"
        f"first_frame: {clip.start + 1}\n"
        f"pseudo_label_teacher: {teacher_name}\n"
        f"pseudo_label_min_score: {min_score}\n"
        f"resolution: ({width}, {height})\n",
        encoding="utf-8",
    )
    return len(boxes), int(sum(absent))


def write_list(cache: Path) -> list[str]:
    """Rewrite list.txt with the finished clips of the cache."""
    names = sorted(
        p.name
        for p in cache.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "groundtruth.txt").is_file()
    )
    _write_atomic(cache / "list.txt", "".join(f"{n}\n" for n in names))
    return names
