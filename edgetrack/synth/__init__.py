"""Synthetic tracking sequences: a textured target drifting over a smooth textured background."""

from edgetrack.synth.generate import synthetic_sequence, write_got10k

__all__ = ["synthetic_sequence", "write_got10k"]
