"""Training pairs as a map-style dataset: sample i of an epoch is a pure function of
(seed, epoch, rank, i), so a run is reproducible whatever the number of loader workers and resumes
bit for bit at an epoch boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgetrack.datasets import Sequence, read_rgb
from edgetrack.errors import EdgetrackError
from edgetrack.train.config import DataConfig, DatasetConfig, SamplerConfig
from edgetrack.train.pairs import DatasetIndex, RandomPairSampler
from edgetrack.train.processing import PairProcessing
from edgetrack.train.sstrack import IntervalBins, IntervalPairSampler, bin_of, random_bin_distribution

MAX_TRIES = 100


@dataclass
class Source:
    """One training dataset: its sequences, mixing ratio and whether it holds videos or images."""

    name: str
    sequences: list[Sequence]
    ratio: float
    is_video: bool

    def index(self) -> DatasetIndex:
        return DatasetIndex.from_sequences(self.name, self.sequences, self.ratio, self.is_video)


def open_source(config: DatasetConfig) -> Source:
    """Read a dataset through edgetrack's reader registry (`kind` is its registered name, e.g.
    got10k_train, lasot_train, trackingnet_train, coco, custom). One-frame sequences make an image
    dataset (the SSTrack image bin). Sequences named in `exclude` are left out."""
    from edgetrack.datasets.registry import open_dataset

    dataset = open_dataset(config.kind, config.root)
    names = dataset.names
    unknown = sorted(set(config.exclude) - set(names))
    if unknown:
        raise EdgetrackError(
            f"dataset {config.kind} at {config.root} has no sequence {unknown[0]!r} to exclude"
        )
    sequences = [dataset.sequence(name) for name in names if name not in config.exclude]
    if not sequences:
        raise EdgetrackError(f"dataset {config.kind} at {config.root} has no sequences")
    is_video = any(len(seq) > 1 for seq in sequences)
    return Source(config.kind, sequences, config.ratio, is_video)


def processing_from(config: DataConfig, tracker_config, teacher=None) -> PairProcessing:
    """OSTrack processing with the data section's jitter/augmentation and the model's crop geometry
    (and the same regions at a black-box teacher's crop sizes when one is given)."""
    return PairProcessing(
        template_size=tracker_config.template_size,
        search_size=tracker_config.search_size,
        template_factor=tracker_config.template_factor,
        search_factor=tracker_config.search_factor,
        center_jitter=config.center_jitter,
        scale_jitter=config.scale_jitter,
        grayscale_probability=config.grayscale_probability,
        flip_probability=config.flip_probability,
        brightness_jitter=config.brightness_jitter,
        teacher_template_size=teacher.spec.template_size if teacher else 0,
        teacher_search_size=teacher.spec.search_size if teacher else 0,
    )


class PairDataset:
    """`len` samples per epoch for one rank; item i -> dict(template, search, template_box,
    search_box, bin, negative), plus a black-box teacher's targets (`edgetrack.train.teacher`) when one is
    given. The interval sampler draws bins by `q` (set each epoch by the scheduler). A share
    `negative_probability` of the pairs are negatives: the search frame and box come from another
    sequence (`negative` 1), so the template's target is absent from the search region. A share
    `absent_probability` are absent-frame negatives: the search frame is one of the template's own
    sequence where the target is absent, cropped around the box where it was last seen (`negative` 1;
    a sequence without absent frames gives an ordinary pair instead)."""

    def __init__(
        self,
        sources: list[Source],
        sampler_config: SamplerConfig,
        processing: PairProcessing,
        samples: int,
        seed: int,
        rank: int = 0,
        teacher=None,
        negative_probability: float = 0.0,
        absent_probability: float = 0.0,
    ):
        self.sources = sources
        self.teacher = teacher
        self.indices = [s.index() for s in sources]
        self.bins = IntervalBins(sampler_config.max_interval, sampler_config.bin_width)
        self.random_sampler = RandomPairSampler(self.indices, sampler_config.max_interval)
        self.q_random = random_bin_distribution(self.random_sampler, self.bins)
        self.interval_sampler = (
            IntervalPairSampler(self.indices, self.bins) if sampler_config.kind == "interval" else None
        )
        self.processing = processing
        self.samples = int(samples)
        self.seed = int(seed)
        self.rank = int(rank)
        self.epoch = 0
        self.negative_probability = float(negative_probability)
        if self.negative_probability > 0 and sum(len(s.sequences) for s in sources) < 2:
            raise EdgetrackError("data.negative_probability needs at least two training sequences")
        self.absent_probability = float(absent_probability)

    @property
    def available_bins(self) -> np.ndarray:
        if self.interval_sampler is None:
            return self.q_random > 0
        return self.interval_sampler.available

    def set_epoch(self, epoch: int, q=None) -> None:
        """Start epoch `epoch`; the interval sampler uses bin distribution q."""
        self.epoch = int(epoch)
        if q is not None and self.interval_sampler is not None:
            self.interval_sampler.set_distribution(q)

    def __len__(self) -> int:
        return self.samples

    def __getitem__(self, i: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, int(i)])
        sampler = self.interval_sampler or self.random_sampler
        for _ in range(MAX_TRIES):
            draw = sampler.draw(rng)
            seq = self.sources[draw.dataset].sequences[draw.sequence]
            negative = self.negative_probability > 0 and rng.random() < self.negative_probability
            absent = (
                self._absent_search(seq, rng)
                if not negative and self.absent_probability > 0 and rng.random() < self.absent_probability
                else None
            )
            if absent is not None:
                search_seq, (search_index, search_box), negative = seq, absent, True
            else:
                search_seq, search_index = (
                    self._negative_search(draw, rng) if negative else (seq, draw.search_frame)
                )
                search_box = search_seq.gt[search_index]
            template_frame = read_rgb(seq.frames[draw.template_frame])
            search_frame = (
                template_frame
                if search_seq is seq and search_index == draw.template_frame
                else read_rgb(search_seq.frames[search_index])
            )
            out = self.processing(template_frame, seq.gt[draw.template_frame], search_frame, search_box, rng)
            if out is not None:
                out["negative"] = np.float32(negative)
                if self.teacher is not None:
                    out.update(self.teacher.targets(out.pop("teacher_template"), out.pop("teacher_search")))
                out["bin"] = np.int64(bin_of(draw, self.indices, self.bins))
                return out
        raise EdgetrackError(f"no usable training pair after {MAX_TRIES} draws (boxes too small?)")

    @staticmethod
    def _absent_search(seq: Sequence, rng: np.random.Generator) -> tuple[int, np.ndarray] | None:
        """A frame of `seq` where the target is absent and the box where it was last seen (the first
        visible one after, for an absence at the start); None when the target is never absent."""
        visible = np.asarray(seq.visible, bool)
        absent = np.flatnonzero(~visible)
        if len(absent) == 0 or not visible.any():
            return None
        index = int(absent[rng.integers(len(absent))])
        seen = np.flatnonzero(visible[:index])
        last_seen = int(seen[-1]) if len(seen) else int(np.flatnonzero(visible)[0])
        return index, seq.gt[last_seen]

    def _negative_search(self, draw, rng: np.random.Generator) -> tuple[Sequence, int]:
        """A visible frame of a sequence other than `draw`'s (OSTrack's random sampler picks it)."""
        for _ in range(MAX_TRIES):
            other = self.random_sampler.draw(rng)
            if (other.dataset, other.sequence) != (draw.dataset, draw.sequence):
                return self.sources[other.dataset].sequences[other.sequence], other.search_frame
        raise EdgetrackError(f"no sequence other than the template's after {MAX_TRIES} draws")
