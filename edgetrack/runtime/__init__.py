"""The torch-free CPU runtime: model contract, inference backends, tracker, sources, profiling, writers."""

from edgetrack.runtime.metadata import ModelIO, ModelSpec
from edgetrack.runtime.tracker import Tracker, TrackResult

__all__ = ["ModelIO", "ModelSpec", "TrackResult", "Tracker"]
