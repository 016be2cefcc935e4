"""Compare an emulated run's boxes with the host's, frame by frame, by IoU.

Usage: python deploy/arm/compare_tracks.py REFERENCE.txt CANDIDATE.txt [--min-iou 0.99]
Both files hold one `x,y,w,h[,score]` line per frame (`edgetrack track --save-txt`). Prints one line
(frames, minimum IoU and its frame, mean IoU, frames below the threshold) and exits 0 when every frame
reaches the threshold, 1 when one does not, 2 when a file is unreadable or the frame counts differ.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

from edgetrack.boxes import iou_xywh
from edgetrack.datasets.sequence import load_boxes
from edgetrack.errors import EdgetrackError


@dataclass(frozen=True)
class TrackParity:
    """Per-frame IoU of a candidate track against a reference track."""

    ious: np.ndarray
    min_iou: float

    @property
    def worst_frame(self) -> int:
        return int(np.argmin(self.ious))

    @property
    def failing_frames(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.ious < self.min_iou)]

    @property
    def passed(self) -> bool:
        return not self.failing_frames

    def summary(self) -> str:
        return (
            f"{len(self.ious)} frames, min IoU {self.ious.min():.4f} (frame {self.worst_frame}), "
            f"mean {self.ious.mean():.4f}, {len(self.failing_frames)} below {self.min_iou}"
        )


def compare_tracks(reference: np.ndarray, candidate: np.ndarray, min_iou: float) -> TrackParity:
    """IoU of each candidate box with the reference box of the same frame; frame counts must match."""
    if len(reference) != len(candidate):
        raise EdgetrackError(f"reference has {len(reference)} frames, candidate {len(candidate)}")
    return TrackParity(ious=iou_xywh(reference, candidate), min_iou=min_iou)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference")
    parser.add_argument("candidate")
    parser.add_argument("--min-iou", type=float, default=0.99)
    args = parser.parse_args(argv)
    try:
        parity = compare_tracks(load_boxes(args.reference), load_boxes(args.candidate), args.min_iou)
    except (EdgetrackError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(parity.summary())
    return 0 if parity.passed else 1


if __name__ == "__main__":
    sys.exit(main())
