"""Dataset readers shared by evaluation, tracking and training."""

from edgetrack.datasets.sequence import Sequence, list_images, load_boxes, read_rgb

__all__ = ["Sequence", "list_images", "load_boxes", "read_rgb"]
