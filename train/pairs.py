"""Which frames make a training pair: the index of visible frames and OSTrack's random (causal) sampler.

Only frame indices live here (cheap to pickle into data-loader workers); loading and cropping is
`edgetrack.train.data`'s job. Every draw takes a numpy Generator so that a sample is a pure function
of its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgetrack.datasets import Sequence
from edgetrack.errors import EdgetrackError


@dataclass(frozen=True)
class PairDraw:
    """One training pair: dataset and sequence indices, template and search frame indices."""

    dataset: int
    sequence: int
    template_frame: int
    search_frame: int

    @property
    def interval(self) -> int:
        return abs(self.search_frame - self.template_frame)


@dataclass
class DatasetIndex:
    """The visible frame indices of each sequence of one dataset, its mixing ratio and kind."""

    name: str
    ratio: float
    is_video: bool
    visible: list[np.ndarray]  # per sequence: sorted int32 indices of visible frames

    @classmethod
    def from_sequences(cls, name: str, sequences: list[Sequence], ratio: float, is_video: bool):
        visible = [np.flatnonzero(seq.visible).astype(np.int32) for seq in sequences]
        return cls(name, float(ratio), bool(is_video), visible)


def count_in(visible: np.ndarray, start, stop):
    """Number of visible frame indices in [start, stop) (vectorised over start/stop)."""
    return np.searchsorted(visible, stop, side="left") - np.searchsorted(visible, start, side="left")


def mix_probabilities(ratios, usable) -> np.ndarray:
    """Dataset probabilities from ratios, zero for datasets with nothing usable; normalised."""
    weights = np.where(np.asarray(usable, bool), np.asarray(ratios, float), 0.0)
    if weights.sum() <= 0:
        return weights
    return weights / weights.sum()


class RandomPairSampler:
    """OSTrack's 'causal' sampler (the baseline): a dataset by ratio, a sequence uniformly, a visible
    template frame uniformly, then a visible search frame uniformly in [t+1, t+max_gap).

    Images (and image datasets) give template = search. Where OSTrack widens the gap when no visible
    search frame lies in the window, this sampler redraws the template frame instead, so that its
    interval law is exactly `interval_distribution()`.
    """

    def __init__(self, datasets: list[DatasetIndex], max_gap: int):
        self.datasets = datasets
        self.max_gap = int(max_gap)
        self.usable = [[i for i, v in enumerate(d.visible) if self._usable(d, v)] for d in datasets]
        self.dataset_p = mix_probabilities([d.ratio for d in datasets], [len(u) > 0 for u in self.usable])
        if self.dataset_p.sum() <= 0:
            raise EdgetrackError("no dataset has a sequence with a usable training pair")

    def _usable(self, dataset: DatasetIndex, visible: np.ndarray) -> bool:
        if not dataset.is_video:
            return len(visible) > 0
        return bool(np.any(self._successors(visible, visible) > 0))

    def _successors(self, visible: np.ndarray, t) -> np.ndarray:
        return count_in(visible, np.asarray(t) + 1, np.asarray(t) + self.max_gap)

    def draw(self, rng: np.random.Generator) -> PairDraw:
        d = int(rng.choice(len(self.datasets), p=self.dataset_p))
        s = self.usable[d][int(rng.integers(len(self.usable[d])))]
        visible = self.datasets[d].visible[s]
        if not self.datasets[d].is_video:
            frame = int(visible[rng.integers(len(visible))])
            return PairDraw(d, s, frame, frame)
        while True:
            t = int(visible[rng.integers(len(visible))])
            n = int(self._successors(visible, t))
            if n > 0:
                first = int(np.searchsorted(visible, t + 1))
                return PairDraw(d, s, t, int(visible[first + rng.integers(n)]))

    def interval_distribution(self) -> tuple[float, np.ndarray]:
        """Exact law of a draw: (probability of an image pair, pmf over video intervals 0..max_gap-1)."""
        image_p = 0.0
        pmf = np.zeros(self.max_gap)
        for d, dataset in enumerate(self.datasets):
            if self.dataset_p[d] == 0:
                continue
            if not dataset.is_video:
                image_p += self.dataset_p[d]
                continue
            weight = self.dataset_p[d] / len(self.usable[d])
            for s in self.usable[d]:
                pmf += weight * self._sequence_interval_pmf(dataset.visible[s])
        return image_p, pmf

    def _sequence_interval_pmf(self, visible: np.ndarray) -> np.ndarray:
        n = self._successors(visible, visible)
        starts = visible[n > 0]
        n = n[n > 0]
        is_visible = np.zeros(int(visible[-1]) + self.max_gap + 1, bool)
        is_visible[visible] = True
        gaps = np.arange(self.max_gap)
        hits = is_visible[starts[:, None] + gaps[None, 1:]] / n[:, None]
        pmf = np.zeros(self.max_gap)
        pmf[1:] = hits.sum(axis=0) / len(starts)
        return pmf
