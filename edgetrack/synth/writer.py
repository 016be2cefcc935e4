"""Write synthetic sequences in GOT-10k or LaSOT layout, readable by edgetrack's readers."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from rich.progress import Progress

from edgetrack.evaluation.results import write_atomic
from edgetrack.synth.sequence import SyntheticSequence


def _box_lines(boxes: np.ndarray) -> str:
    return "".join(",".join(f"{v:.2f}" for v in row) + "\n" for row in np.nan_to_num(boxes, nan=0.0))


def write_sequence(seq: SyntheticSequence, folder: Path, fmt: str) -> None:
    """Frames and annotations of one sequence; annotation files last so a half-written one is visible."""
    image_dir = folder / "img" if fmt == "lasot" else folder
    image_dir.mkdir(parents=True, exist_ok=True)
    for i in range(len(seq)):
        digits = 8
        cv2.imwrite(str(image_dir / f"{i + 1:0{digits}d}.jpg"), cv2.cvtColor(seq.frame(i), cv2.COLOR_RGB2BGR))
    if fmt == "got10k":
        write_atomic(folder / "absence.label", "".join(f"{int(a)}\n" for a in seq.absent))
        write_atomic(folder / "cover.label", "".join(f"{c}\n" for c in seq.cover))
        width, height = seq.size
        write_atomic(
            folder / "meta_info.ini",
            f"[METAINFO]\nobject_class: synthetic\nresolution: ({width}, {height})\n",
        )
    else:
        write_atomic(folder / "full_occlusion.txt", ",".join(str(int(v)) for v in seq.full_occlusion) + "\n")
        write_atomic(folder / "out_of_view.txt", ",".join(str(int(v)) for v in seq.out_of_view) + "\n")
    write_atomic(folder / "groundtruth.txt", _box_lines(seq.boxes))


def write_dataset(
    out: Path, fmt: str, sequences: int, frames: int, seed: int, size=(320, 240), split: str = "val"
) -> list[str]:
    """Write `sequences` sequences (seeds seed, seed+1, ...) under `out`; returns their names.

    GOT-10k sequences go to the `split` folder (train or val) with its list.txt."""
    names = []
    with Progress() as progress:
        task = progress.add_task(f"synth {fmt}", total=sequences)
        for k in range(sequences):
            seq = SyntheticSequence(seed + k, frames, size)
            if fmt == "got10k":
                name = f"Synth_{k + 1:06d}"
                write_sequence(seq, out / split / name, fmt)
            else:
                name = f"synth-{k + 1}"
                write_sequence(seq, out / "synth" / name, fmt)
            names.append(name)
            progress.advance(task)
    if fmt == "got10k":
        write_atomic(out / split / "list.txt", "".join(n + "\n" for n in names))
    else:
        write_atomic(out / "testing_set.txt", "".join(n + "\n" for n in names))
    return names
