"""Dataset readers shared by evaluation, tracking and training.

Every reader is a `TrackingDataset`: `names` lists the sequences, `sequence(name)` (or iteration) builds a
`Sequence` on demand. `open_dataset(name, root)` picks a reader by its registered name."""

from edgetrack.datasets.base import TrackingDataset
from edgetrack.datasets.registry import dataset_names, open_dataset
from edgetrack.datasets.sequence import Sequence, list_images, load_boxes, read_rgb

__all__ = [
    "Sequence",
    "TrackingDataset",
    "dataset_names",
    "list_images",
    "load_boxes",
    "open_dataset",
    "read_rgb",
]
