"""Synthetic UAV-like tracking sequences (docs/synth.md)."""

from edgetrack.synth.sequence import SyntheticSequence, cover_level
from edgetrack.synth.writer import write_dataset

__all__ = ["SyntheticSequence", "cover_level", "write_dataset"]
