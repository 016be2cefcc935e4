"""SSTrack (IJCAI 2025): sample-interval scheduling for lightweight trackers.

Training pairs are grouped by the interval |t_x - t_z| between template and search frame into bins of
width m up to the maximum interval M, plus a bin [0, 1) for image datasets, which comes first (it is the
easiest). Each epoch the bins' success rates p_i decide a new bin distribution q through the
derivative of a Markov-chain success model; bins that are sampled less often than under OSTrack's
random sampler get their per-sample loss scaled up so their share of the objective is kept.

Bin indices: 0 is the image bin, 1 + k is the video bin [m*k, min(m*(k+1), M)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from edgetrack.train.pairs import DatasetIndex, PairDraw, RandomPairSampler, count_in, mix_probabilities

IMAGE_BIN = 0


@dataclass(frozen=True)
class IntervalBins:
    """Interval bins: [0, 1) for images, then video bins of `width` up to `max_interval` (exclusive)."""

    max_interval: int = 200
    width: int = 30

    @property
    def video_edges(self) -> list[tuple[int, int]]:
        """[lo, hi) of each video bin, in order."""
        count = math.ceil(self.max_interval / self.width)
        return [(self.width * k, min(self.width * (k + 1), self.max_interval)) for k in range(count)]

    @property
    def num_bins(self) -> int:
        return 1 + len(self.video_edges)

    def video_bin(self, interval: int) -> int:
        """Bin index of a video pair at this interval (0 <= interval < max_interval)."""
        if not 0 <= interval < self.max_interval:
            raise ValueError(f"interval {interval} is outside [0, {self.max_interval})")
        return 1 + interval // self.width

    def labels(self) -> list[str]:
        return ["image"] + [f"[{lo},{hi})" for lo, hi in self.video_edges]


def schedule_d(epoch: float, total_epochs: float, order: float = 2) -> float:
    """The scheduling difficulty d = (epoch / total_epochs) ** (1 / order), from 0 to 1."""
    if total_epochs <= 0:
        raise ValueError("total_epochs must be positive")
    return float(min(max(epoch / total_epochs, 0.0), 1.0) ** (1.0 / order))


def expected_success(success_rates, d: float) -> float:
    """S = mean_i E[X_i] of the 'general video' chain: pi_0 = (1, 0), pi_i = pi_{i-1} T_i with
    T_i = [[p_i, 1 - p_i], [d p_i, 1 - d p_i]] and E[X_i] = pi_i[0]."""
    p = np.asarray(success_rates, dtype=np.float64)
    total, a = 0.0, 1.0
    for p_i in p:
        a = a * p_i + (1.0 - a) * d * p_i
        total += a
    return total / len(p)


def sampling_distribution(success_rates, d: float) -> np.ndarray:
    """q_i = (dS/dp_i) / sum_j dS/dp_j for the chain of `expected_success` (closed form).

    With a_i = E[X_i] = p_i (d + (1 - d) a_{i-1}) and a_0 = 1,
    dS/dp_j = (1/r) (d + (1 - d) a_{j-1}) * sum_{i>=j} prod_{k=j+1..i} (1 - d) p_k.
    """
    p = np.asarray(success_rates, dtype=np.float64)
    if p.ndim != 1 or len(p) == 0:
        raise ValueError("success_rates must be a non-empty 1-D array")
    r = len(p)
    a_prev = np.empty(r)  # a_{j-1}
    a = 1.0
    for j in range(r):
        a_prev[j] = a
        a = p[j] * (d + (1.0 - d) * a)
    tail = np.empty(r)  # sum_{i>=j} prod_{k=j+1..i} (1-d) p_k, by the recurrence G_j = 1 + c_{j+1} G_{j+1}
    tail[-1] = 1.0
    for j in range(r - 2, -1, -1):
        tail[j] = 1.0 + (1.0 - d) * p[j + 1] * tail[j + 1]
    grad = (d + (1.0 - d) * a_prev) * tail / r
    return grad / grad.sum()  # grad[0] >= 1/r: the sum is never zero


def gradient_scale(q_random, q_interval) -> np.ndarray:
    """Per-bin loss weight Gamma_i = 1 / (1 - P_i), P_i = max((q_R(i) - q_I(i)) / q_R(i), 0).

    Enhanced bins (q_I >= q_R) keep weight 1; a bin that is never drawn (q_I = 0 < q_R) gets inf,
    which no sample carries.
    """
    q_r = np.asarray(q_random, dtype=np.float64)
    q_i = np.asarray(q_interval, dtype=np.float64)
    gamma = np.ones_like(q_r)
    pruned = q_i < q_r
    with np.errstate(divide="ignore"):
        gamma[pruned] = q_r[pruned] / q_i[pruned]  # == 1 / (1 - (q_R - q_I) / q_R)
    return gamma


def random_bin_distribution(sampler: RandomPairSampler, bins: IntervalBins) -> np.ndarray:
    """q_random: the bin distribution of OSTrack's random sampler over these bins (exact)."""
    if sampler.max_gap > bins.max_interval:
        raise ValueError("the random sampler's max gap exceeds the bins' maximum interval")
    image_p, pmf = sampler.interval_distribution()
    q = np.zeros(bins.num_bins)
    q[IMAGE_BIN] = image_p
    for gap, mass in enumerate(pmf):
        if mass > 0:
            q[bins.video_bin(gap)] += mass
    return q / q.sum()


def success_statistics(bin_ids, ious, num_bins: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-bin (successes, counts) and tau = mean IoU; success = IoU > tau. Sums, so ranks can add them."""
    bin_ids = np.asarray(bin_ids, dtype=np.int64)
    ious = np.asarray(ious, dtype=np.float64)
    tau = float(ious.mean()) if len(ious) else 0.0
    counts = np.bincount(bin_ids, minlength=num_bins).astype(np.float64)
    successes = np.bincount(bin_ids, weights=(ious > tau).astype(np.float64), minlength=num_bins)
    return successes, counts, tau


class IntervalPairSampler:
    """SSTrack's interval-based sampler: a bin by q, then a video (or image) that can serve the bin, a
    visible template frame, and a visible search frame before or after it with |t_x - t_z| in the bin.

    Videos without a visible pair in a bin are skipped for that bin; a bin no dataset can serve is
    unavailable and must have q = 0.
    """

    def __init__(self, datasets: list[DatasetIndex], bins: IntervalBins):
        self.datasets = datasets
        self.bins = bins
        self.edges = [(0, 1)] + bins.video_edges
        # usable[b][d]: sequences of dataset d that can serve bin b
        self.usable = [[self._usable_sequences(d, b) for d in datasets] for b in range(bins.num_bins)]
        self.dataset_p = [
            mix_probabilities([d.ratio for d in datasets], [len(u) > 0 for u in per_bin])
            for per_bin in self.usable
        ]
        self.available = np.array([p.sum() > 0 for p in self.dataset_p])
        self.q = self.available / self.available.sum()

    def _usable_sequences(self, dataset: DatasetIndex, b: int) -> list[int]:
        if (b == IMAGE_BIN) == dataset.is_video:
            return []
        lo, hi = self.edges[b]
        return [
            s
            for s, vis in enumerate(dataset.visible)
            if len(vis) and np.any(self._partners(vis, vis, lo, hi))
        ]

    @staticmethod
    def _partners(visible: np.ndarray, t, lo: int, hi: int):
        """Visible frames after t at intervals [lo, hi) and before it at (lo, hi) ∪ {lo if lo > 0}."""
        t = np.asarray(t)
        after = count_in(visible, t + lo, t + hi)
        before = count_in(visible, t - hi + 1, t - max(lo, 1) + 1)
        return after + before

    def set_distribution(self, q) -> None:
        """Use bin distribution q (length num_bins); unavailable bins must get no mass."""
        q = np.asarray(q, dtype=np.float64)
        if q.shape != (self.bins.num_bins,) or np.any(q < 0) or q.sum() <= 0:
            raise ValueError(f"a bin distribution has {self.bins.num_bins} non-negative entries, got {q}")
        if np.any(q[~self.available] > 0):
            raise ValueError("q puts mass on a bin that no dataset can serve")
        self.q = q / q.sum()

    def draw_bin(self, rng: np.random.Generator) -> int:
        return int(rng.choice(len(self.q), p=self.q))

    def draw(self, rng: np.random.Generator, b: int | None = None) -> PairDraw:
        """A pair from bin b (drawn by q when None)."""
        b = self.draw_bin(rng) if b is None else b
        d = int(rng.choice(len(self.datasets), p=self.dataset_p[b]))
        usable = self.usable[b][d]
        s = usable[int(rng.integers(len(usable)))]
        visible = self.datasets[d].visible[s]
        if b == IMAGE_BIN:
            frame = int(visible[rng.integers(len(visible))])
            return PairDraw(d, s, frame, frame)
        lo, hi = self.edges[b]
        while True:
            t = int(visible[rng.integers(len(visible))])
            after = int(count_in(visible, t + lo, t + hi))
            before = int(count_in(visible, t - hi + 1, t - max(lo, 1) + 1))
            if after + before == 0:
                continue
            j = int(rng.integers(after + before))
            if j < after:
                x = int(visible[np.searchsorted(visible, t + lo) + j])
            else:
                x = int(visible[np.searchsorted(visible, t - hi + 1) + j - after])
            return PairDraw(d, s, t, x)


def bin_of(draw: PairDraw, datasets: list[DatasetIndex], bins: IntervalBins) -> int:
    """The bin a drawn pair falls in: the image bin for image datasets, else by its interval."""
    if not datasets[draw.dataset].is_video:
        return IMAGE_BIN
    return bins.video_bin(min(draw.interval, bins.max_interval - 1))


class IntervalScheduler:
    """Recomputes the interval sampler's bin distribution each epoch from the last epoch's success.

    Epoch 0 uses q_random. Later epochs: q = sampling_distribution(p, schedule_d(epoch, total, order))
    over the available bins. A bin with no sample in the last epoch keeps its previous p (the overall
    success fraction before it has any). Holds only plain data, so its state goes into checkpoints.
    """

    def __init__(self, q_random, available, total_epochs: int, order: float = 2):
        self.q_random = np.asarray(q_random, dtype=np.float64)
        self.available = np.asarray(available, dtype=bool) & (self.q_random >= 0)
        self.total_epochs = int(total_epochs)
        self.order = float(order)
        self.p = np.full(len(self.q_random), np.nan)
        self.q = self._restrict(self.q_random)

    def _restrict(self, q) -> np.ndarray:
        q = np.where(self.available, q, 0.0)
        return q / q.sum()

    def update(self, successes, counts, epoch: int) -> np.ndarray:
        """New q for `epoch` from the summed per-bin successes and counts of epoch - 1."""
        successes = np.asarray(successes, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.float64)
        overall = successes.sum() / max(counts.sum(), 1.0)
        seen = counts > 0
        self.p = np.where(
            seen, successes / np.maximum(counts, 1.0), np.where(np.isnan(self.p), overall, self.p)
        )
        d = schedule_d(epoch, self.total_epochs, self.order)
        q = np.zeros(len(self.p))
        q[self.available] = sampling_distribution(self.p[self.available], d)
        self.q = q
        return q

    def weights(self) -> np.ndarray:
        """Gamma per bin for the current q (1 for bins that are not drawn)."""
        gamma = gradient_scale(self.q_random, self.q)
        return np.where(self.q > 0, gamma, 1.0)

    def state_dict(self) -> dict:
        return {"p": self.p.tolist(), "q": self.q.tolist()}

    def load_state_dict(self, state: dict) -> None:
        self.p = np.asarray(state["p"], dtype=np.float64)
        self.q = np.asarray(state["q"], dtype=np.float64)
