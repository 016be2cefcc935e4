"""Training configuration: a YAML file (optionally `base: other.yaml` to start from another), then
dotted command-line overrides (`train.epochs=3`).

The file's sections map onto the dataclasses below; an unknown key or a value of the wrong type is
a one-line EdgetrackError naming it. The `model` section is passed as is to the model builder
(`edgetrack.models.config.TrackerConfig`), which checks it.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from edgetrack.errors import EdgetrackError


@dataclass
class DatasetConfig:
    """One training dataset: `kind` is a reader's registered name (got10k_train, lasot_train,
    trackingnet_train, coco, custom, ...), `root` its folder, `ratio` its share of the mix, `exclude`
    the names of sequences held out of training (a validation split)."""

    kind: str
    root: str = ""
    ratio: float = 1.0
    exclude: list[str] = field(default_factory=list)  # sequence names left out (a validation split)


@dataclass
class DataConfig:
    """Datasets and OSTrack's jitter/augmentation; crop sizes and factors come from the model section."""

    datasets: list[DatasetConfig] = field(default_factory=list)
    samples_per_epoch: int = 60000
    num_workers: int = 0
    center_jitter: float = 3.0
    scale_jitter: float = 0.25
    grayscale_probability: float = 0.05
    flip_probability: float = 0.5
    brightness_jitter: float = 0.2
    # share of negative pairs: the search region is taken around an object of another sequence, so the
    # target is absent; its score label is all zero and its box terms are off (DaSiamRPN's negatives)
    negative_probability: float = 0.0
    # share of absent-frame negatives: the search frame is one of the template's sequence where the target
    # is absent (occluded or out of view), cropped where it was last seen; labelled as a negative
    absent_probability: float = 0.0


@dataclass
class SamplerConfig:
    """`kind: random` is OSTrack's sampler (the baseline); `interval` is SSTrack's scheduled sampler."""

    kind: str = "random"
    max_interval: int = 200
    bin_width: int = 30
    order: float = 2.0
    gradient_scaling: bool = False


@dataclass
class LossConfig:
    focal: float = 1.0
    giou: float = 2.0
    l1: float = 5.0


@dataclass
class OptimConfig:
    """OSTrack-256's schedule: AdamW, backbone lr x0.1, step decay x0.1 at lr_drop_epoch, clip 0.1."""

    init_checkpoint: str = ""  # OSTrack checkpoint, pre-trained ViT (MAE/DeiT) or exported tracker (.onnx)
    epochs: int = 300
    batch_size: int = 32
    lr: float = 4e-4
    backbone_lr_multiplier: float = 0.1
    weight_decay: float = 1e-4
    lr_drop_epoch: int = 240
    lr_decay: float = 0.1
    grad_clip: float = 0.1
    amp: bool = False
    device: str = "auto"
    seed: int = 42
    checkpoint_every: int = 10
    ce_start_epoch: int = 20
    ce_warm_epoch: int = 80
    threads: int = 0


@dataclass
class TrainConfig:
    model: dict = field(default_factory=dict)
    data: DataConfig = field(default_factory=DataConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: OptimConfig = field(default_factory=OptimConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _convert(tp, value, where: str):
    """Check/convert a YAML value to the annotated type `tp`."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise EdgetrackError(f"config {where}: expected a list, got {value!r}")
        (item,) = typing.get_args(tp)
        return [_convert(item, v, f"{where}.{i}") for i, v in enumerate(value)]
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise EdgetrackError(f"config {where}: expected a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise EdgetrackError(f"config {where}: expected true or false, got {value!r}")
        return value
    if tp is float and isinstance(value, str):
        value = _float_text(value, where)
    if tp in (int, float):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (tp is int and value != int(value))
        ):
            raise EdgetrackError(f"config {where}: expected {tp.__name__}, got {value!r}")
        return tp(value)
    if tp is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise EdgetrackError(f"config {where}: expected a string, got {value!r}")
        return str(value)
    raise TypeError(f"unsupported config type {tp}")


def _float_text(text: str, where: str) -> float:
    """YAML 1.1 reads `1e-4` (no dot) as a string: take it as the float it means."""
    try:
        return float(text)
    except ValueError:
        raise EdgetrackError(f"config {where}: expected float, got {text!r}") from None


def _build(cls, data, where: str):
    if not isinstance(data, dict):
        raise EdgetrackError(f"config {where or 'file'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise EdgetrackError(
            f"config {where or 'file'}: unknown key {unknown[0]!r} (known: {', '.join(sorted(names))})"
        )
    kwargs = {k: _convert(hints[k], v, f"{where}.{k}".lstrip(".")) for k, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise EdgetrackError(f"config {where or 'file'}: {exc}") from exc


def apply_override(data: dict, text: str) -> None:
    """Set `a.b.c=value` in a nested dict (list items by index); the value is parsed as YAML."""
    if "=" not in text:
        raise EdgetrackError(f"an override is key=value (e.g. train.epochs=3), got {text!r}")
    key, raw = text.split("=", 1)
    value = yaml.safe_load(raw) if raw.strip() else ""
    parts = key.strip().split(".")
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise EdgetrackError(f"override {key}: {part!r} is not an index of a {len(node)}-item list")
            part = int(part)
        elif not isinstance(node, dict):
            raise EdgetrackError(f"override {key}: {'.'.join(parts[:i])} is not a section")
        if last:
            node[part] = value
        else:
            if isinstance(node, dict) and part not in node:
                node[part] = {}
            node = node[part]


def deep_merge(base: dict, update: dict) -> dict:
    """`update` over `base`, section by section (lists and values replace)."""
    out = dict(base)
    for key, value in update.items():
        out[key] = (
            deep_merge(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


def read_yaml_with_base(path: Path, seen: tuple = ()) -> dict:
    """A YAML config; a top-level `base: other.yaml` (relative to this file) is read first and
    this file's sections are merged over it."""
    if not path.is_file():
        raise EdgetrackError(f"config file {path} does not exist")
    if path.resolve() in seen:
        raise EdgetrackError(f"config file {path} includes itself through 'base'")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise EdgetrackError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise EdgetrackError(f"config file {path}: expected a mapping of sections")
    base = data.pop("base", None)
    if base is None:
        return data
    return deep_merge(read_yaml_with_base(path.parent / str(base), seen + (path.resolve(),)), data)


def load_config(path: Path | str | None, overrides: list[str] = ()) -> TrainConfig:
    """Read a YAML training config, apply `key=value` overrides, and check every key and type."""
    data = read_yaml_with_base(Path(path)) if path is not None else {}
    for text in overrides:
        apply_override(data, text)
    config = _build(TrainConfig, data, "")
    check_config(config)
    return config


def check_config(config: TrainConfig) -> None:
    """Cross-field checks that types alone do not catch."""
    if config.sampler.kind not in ("random", "interval"):
        raise EdgetrackError(f"config sampler.kind: 'random' or 'interval', got {config.sampler.kind!r}")
    if config.sampler.gradient_scaling and config.sampler.kind != "interval":
        raise EdgetrackError("config sampler.gradient_scaling needs sampler.kind: interval")
    if config.sampler.bin_width < 1 or config.sampler.max_interval < 2:
        raise EdgetrackError("config sampler: bin_width >= 1 and max_interval >= 2")
    if config.train.epochs < 1 or config.train.batch_size < 1 or config.data.samples_per_epoch < 1:
        raise EdgetrackError(
            "config: train.epochs, train.batch_size and data.samples_per_epoch must be positive"
        )
    opt = config.train
    for name in ("lr", "weight_decay", "lr_decay", "backbone_lr_multiplier", "grad_clip"):
        value = getattr(opt, name)
        kind = "positive" if name == "lr" else "non-negative"
        if not math.isfinite(value) or value < 0 or (name == "lr" and value == 0):
            raise EdgetrackError(f"config train.{name}: must be a finite {kind} number, got {value!r}")
    if not config.data.datasets:
        raise EdgetrackError("config data.datasets: no training dataset")
    for name in ("negative_probability", "absent_probability"):
        value = getattr(config.data, name)
        if not 0.0 <= value < 1.0:
            raise EdgetrackError(f"config data.{name}: must lie in [0, 1), got {value!r}")
    if config.data.negative_probability + config.data.absent_probability >= 1.0:
        raise EdgetrackError("config data.negative_probability + absent_probability must be below 1")
