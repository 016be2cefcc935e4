"""Datasets by name: each reader module registers its classes with `@register("name", split=...)`."""

from __future__ import annotations

import importlib
from pathlib import Path

from edgetrack.errors import EdgetrackError

_READER_MODULES = (
    "coco",
    "folder_dataset",
    "got10k",
    "lasot",
    "nfs",
    "otb",
    "trackingnet",
    "uav123",
    "uavdt",
    "uavtrack112",
    "visdrone",
)
_REGISTRY: dict[str, tuple[type, dict]] = {}


def register(name: str, **kwargs):
    """Class decorator: make `open_dataset(name, root)` build `cls(root, **kwargs)`."""

    def wrap(cls):
        _REGISTRY[name] = (cls, kwargs)
        return cls

    return wrap


def _load_readers() -> None:
    for module in _READER_MODULES:
        importlib.import_module(f"edgetrack.datasets.{module}")


def dataset_names() -> list[str]:
    """All registered dataset names."""
    _load_readers()
    return sorted(_REGISTRY)


def open_dataset(name: str, root: Path | str):
    """The dataset registered as `name`, rooted at `root`."""
    _load_readers()
    key = name.lower().replace("-", "_")
    if key not in _REGISTRY:
        raise EdgetrackError(f"unknown dataset {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    cls, kwargs = _REGISTRY[key]
    dataset = cls(root, **kwargs)
    dataset.name = key
    return dataset
