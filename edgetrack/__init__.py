"""edgetrack: compact single-object trackers on the CPU.

The runtime (this package) depends only on numpy, OpenCV, onnxruntime, OpenVINO, typer and rich;
it never imports torch.
"""

__version__ = "0.1.0"
